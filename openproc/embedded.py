"""An embedded PostgreSQL 16 from the `pgserver` wheel, so a first run needs nothing installed."""

import warnings
from pathlib import Path


def start(data_dir: Path) -> str:
    """Start (or reuse) the embedded server under `data_dir` and return a libpq URL to it.

    The server stops when the last process that started it exits.
    """
    # Imported here: pgserver inspects the platform at import time, which only the embedded mode needs. Its
    # platformdirs asks for a runtime folder that containers and CI shells often lack, and falls back to /tmp:
    # nothing a user needs to read about.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from pgserver.postgres_server import get_server

    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return str(get_server(pgdata, cleanup_mode="stop").get_uri())
