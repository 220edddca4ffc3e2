"""Alembic environment: runs migrations through the same asyncpg driver as the application."""

import asyncio
from logging.config import fileConfig

from alembic import context
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from models import Base, vocabulary
from openproc.database import async_url, resolve_url
from openproc.settings import Settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("quiet"):
    fileConfig(config.config_file_name)


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
        # At the head the tables are the models': add the vocabulary members the code declares since.
        if context.get_context().get_current_heads() == (ScriptDirectory.from_config(config).get_current_head(),):
            vocabulary.sync(connection)


async def main() -> None:
    url = config.attributes.get("url") or resolve_url(Settings())
    engine = create_async_engine(async_url(url))
    async with engine.connect() as connection:
        await connection.run_sync(run)
        await connection.commit()
    await engine.dispose()


asyncio.run(main())
