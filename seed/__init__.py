"""Deterministic, realistic demo data for OPEN (`openproc seed --scale demo|seoul`)."""
