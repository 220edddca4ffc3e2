"""Peer comparison (`make bench-peer`): OPEN against PostGraphile v5 and a hand-written asyncpg baseline."""
