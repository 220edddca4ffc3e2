"""Serving from one or several processes on one box (`openproc serve --workers N`).

uvicorn's own supervisor starts the worker processes: they share the listening socket, and each builds its app with
`app()` from the environment the parent prepared. What must be one across them is made one here: the database (an
embedded server is started once, by the parent), the bus (PostgreSQL's LISTEN/NOTIFY when none is configured, since
memory:// reaches one process only), the callers' rate budgets (Redis: RATE_LIMIT_URL is required) and the metrics
(prometheus_client's multiprocess mode, so a scrape of any worker counts them all).
"""

import atexit
import os
import shutil
import tempfile
from typing import Any

import uvicorn
from prometheus_client import multiprocess
from starlette.applications import Starlette

from openproc import memory
from openproc.app import create_app
from openproc.database import resolve_url
from openproc.observability import METRICS_DIRECTORY, configure_logging
from openproc.settings import Settings
from resolvers.errors import InvalidInput


def app() -> Starlette:
    """A worker's app, built from the environment the parent prepared (uvicorn's factory)."""
    settings = Settings()
    configure_logging(settings.log_level, json_format=settings.log_format == "json")
    # Its live gauges (open subscriptions) leave the sum when it exits; one that crashes leaves them until replaced.
    atexit.register(multiprocess.mark_process_dead, os.getpid())
    return _built(settings, resolve_url(settings))


def _built(settings: Settings, database_url: str) -> Starlette:
    served = create_app(database_url, settings)
    memory.settle()
    return served


def refuse_unshared_budgets(settings: Settings, workers: int) -> None:
    """Several processes counting each caller's budget apart would give every caller that many times as much."""
    if workers > 1 and settings.rate_limit_url is None:
        raise InvalidInput(
            "workers",
            f"{workers} processes would each count every caller's budget apart: set RATE_LIMIT_URL=redis://… to "
            "share them (docs/operations.md)",
        )


def shared_environment(settings: Settings, database_url: str, workers: int) -> dict[str, str]:
    """What the parent sets before starting `workers` processes, so that they share what one process would have
    alone."""
    refuse_unshared_budgets(settings, workers)
    shared = {"DATABASE_URL": database_url, METRICS_DIRECTORY: tempfile.mkdtemp(prefix="openproc-metrics-")}
    if settings.broadcast_url.get_secret_value().startswith("memory:"):
        shared["BROADCAST_URL"] = database_url
    return shared


def serve(settings: Settings, database_url: str, host: str, port: int, workers: int) -> None:
    """Serve until stopped: here, or from `workers` processes that uvicorn supervises (restarting any that dies)."""
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "log_level": settings.log_level,
        "log_config": None,
        # Finish in-flight requests on SIGTERM; open sockets are closed with 1012 (service restart): reconnect.
        "timeout_graceful_shutdown": 10,
        # Per-message deflate costs ~64 KB per socket; event messages are small. Frames are capped as well.
        "ws_per_message_deflate": False,
        "ws_max_size": 64 * 1024,
    }
    configure_logging(settings.log_level, json_format=settings.log_format == "json")
    if workers == 1:
        uvicorn.run(_built(settings, database_url), **options)
        return
    shared = shared_environment(settings, database_url, workers)
    os.environ.update(shared)
    try:
        uvicorn.run(
            "openproc.serving:app",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=settings.worker_healthcheck_timeout_s,
            **options,
        )
    finally:
        shutil.rmtree(shared[METRICS_DIRECTORY], ignore_errors=True)
