"""Engine and session factories. Sessions are created per task, never shared across concurrent ones."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from openproc import embedded
from openproc.settings import Settings


def resolve_url(settings: Settings) -> str:
    """The libpq URL to use: `DATABASE_URL` when set, else the embedded server's."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return embedded.start(settings.data_dir)


def async_url(url: str) -> str:
    """Force the asyncpg driver whatever scheme the URL was given with."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    """The pool (DB_POOL_SIZE connections, each with STATEMENT_TIMEOUT_S) for `url`."""
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        # A failed statement's parameters may be an applicant's details: keep them out of errors and logs.
        hide_parameters=True,
        connect_args={
            "server_settings": {
                "statement_timeout": str(int(settings.statement_timeout_s * 1000)),
                "jit": "on" if settings.db_jit else "off",
                "application_name": "openproc",
                "timezone": "UTC",
            }
        },
    )
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server has closed (a PostgreSQL restart closes them all) is replaced at checkout,
    instead of failing the request that draws it. asyncpg has already seen the socket close, so asking costs no
    round trip, unlike `pool_pre_ping`, which cost a third of the read throughput (README, Benchmarks)."""
    if dbapi_connection.driver_connection.is_closed():
        # The pool reconnects this record and hands the new connection out (SQLAlchemy's checkout protocol).
        raise DisconnectionError("the server closed this pooled connection")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
