"""`openproc`: serve, migrate and seed. `make run` is a thin wrapper over `openproc serve`."""

import asyncio
import logging
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress

from openproc.app import create_app
from openproc.database import resolve_url
from openproc.migrate import upgrade
from openproc.settings import Settings
from schema.time import SEOUL
from seed import generator, loader
from seed.scale import SCALES

app = typer.Typer(
    help="OPEN: a real-time transparency API for public permit and enforcement work.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


class ScaleName(StrEnum):
    DEMO = "demo"
    SEOUL = "seoul"


@app.command()
def migrate() -> None:
    """Apply database migrations (starts the embedded PostgreSQL when DATABASE_URL is unset)."""
    upgrade(resolve_url(Settings()))
    console.print("migrations applied")


async def _seed(url: str, scale: ScaleName, seed: int, as_of: datetime, *, reset: bool, only_if_empty: bool) -> bool:
    connection = await loader.connect(url)
    try:
        if await loader.has_cases(connection):
            if only_if_empty:
                return False
            if not reset:
                console.print("[red]the database already holds cases; pass --reset to replace them[/red]")
                raise typer.Exit(1)
        chosen = SCALES[scale.value]
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"generating {chosen.name} data", total=chosen.cases)
            dataset = generator.generate(
                chosen, as_of, await loader.holidays(connection), seed, lambda done: progress.advance(task, done)
            )
            progress.update(task, description="writing with COPY")
            counts = await loader.write(connection, dataset, reset=reset)
        console.print(", ".join(f"{count:,} {table}" for table, count in counts.items()))
        return True
    finally:
        await connection.close()


@app.command()
def seed(
    scale: Annotated[ScaleName, typer.Option(help="demo: ~2,000 cases; seoul: the first-year size, 27,000.")] = (
        ScaleName.DEMO
    ),
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and date give the same data.")] = 1999,
    as_of: Annotated[datetime | None, typer.Option(help="The 'now' of the data (default: now).")] = None,
    reset: Annotated[bool, typer.Option(help="Replace existing data.")] = False,
) -> None:
    """Load deterministic demo data (applies migrations first)."""
    url = resolve_url(Settings())
    upgrade(url)
    moment = (as_of or datetime.now(SEOUL)).astimezone(SEOUL)
    started = datetime.now()
    asyncio.run(_seed(url, scale, seed, moment, reset=reset, only_if_empty=False))
    console.print(f"seeded in {(datetime.now() - started).total_seconds():.1f} s")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 8000).")] = None,
    demo: Annotated[bool, typer.Option(help="Load demo data on the first start.")] = True,
) -> None:
    """Migrate, load demo data on the first start, and serve the API."""
    settings = Settings()
    url = resolve_url(settings)
    upgrade(url)
    if demo and asyncio.run(_seed(url, ScaleName.DEMO, 1999, datetime.now(SEOUL), reset=False, only_if_empty=True)):
        console.print("demo data loaded")
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"OPEN serves http://{bind_host}:{bind_port}/graphql")
    logging.basicConfig(level=settings.log_level.upper())
    uvicorn.run(create_app(url, settings), host=bind_host, port=bind_port, log_level=settings.log_level)


@app.command("database-url")
def database_url() -> None:
    """Print the database URL in use (starting the embedded server if needed), e.g. for psql."""
    print(resolve_url(Settings()))


@app.command("schema")
def print_schema() -> None:
    """Print the GraphQL schema (SDL); `make schema` writes it to schema.graphql."""
    from schema import schema as graphql_schema

    print(graphql_schema.as_str())
