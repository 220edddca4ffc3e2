"""Composition root of OPEN: settings, database, the Starlette app and the `openproc` command."""
