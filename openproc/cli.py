"""`openproc`: serve, migrate and seed. `make run` is a thin wrapper over `openproc serve`."""

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import asyncpg
import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import make_url, select
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import from_base64, to_base64

from ledger.cosignature import Cosigner, load_cosigner
from ledger.witness import Witness
from ledger.witness_state import StateInUse, WitnessState
from models import Case, Officer, OfficerRole, Step
from openproc import exports, serving, walk
from openproc.app import ledger_signer
from openproc.database import create_engine, create_sessionmaker, resolve_url
from openproc.migrate import upgrade
from openproc.observability import configure_logging
from openproc.oversight import Round, run_round
from openproc.settings import Settings
from openproc.witness_server import WITNESS_KEY_FILE, WITNESS_STATE_FILE, create_witness_app
from resolvers import auth, ledger_check, reference, webhooks
from resolvers.errors import Forbidden, InvalidInput, WorkflowError
from schema.time import SEOUL
from seed import generator, loader
from seed.scale import DEMO_SEED, SCALES

app = typer.Typer(
    help="OPEN: a real-time transparency API for public permit and enforcement work.",
    no_args_is_help=True,
    add_completion=False,
    # Plain tracebacks: rich's boxes print every frame's source and drown the one line that matters.
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
T = TypeVar("T")


class ScaleName(StrEnum):
    DEMO = "demo"
    SEOUL = "seoul"


@app.command()
def migrate() -> None:
    """Apply database migrations (starts the embedded PostgreSQL when DATABASE_URL is unset)."""
    upgrade(resolve_url(Settings()))
    console.print("migrations applied")


async def _seed(
    url: str, scale: ScaleName, seed: int, as_of: datetime | None, *, reset: bool, only_if_empty: bool
) -> bool:
    connection = await loader.connect(url)
    try:
        if await loader.has_cases(connection):
            if only_if_empty:
                return False
            if not reset:
                console.print("[red]the database already holds cases; pass --reset to replace them[/red]")
                raise typer.Exit(1)
        chosen = SCALES[scale.value]
        as_of = (as_of or chosen.as_of or datetime.now(SEOUL)).astimezone(SEOUL)
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
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and date give the same data.")] = DEMO_SEED,
    as_of: Annotated[
        datetime | None,
        typer.Option(help="The 'now' of the data (default: the demo's fixed 2026-12-01 10:00 KST; seoul: now)."),
    ] = None,
    reset: Annotated[bool, typer.Option(help="Replace existing data.")] = False,
    if_empty: Annotated[bool, typer.Option(help="Do nothing (and succeed) when the database holds cases.")] = False,
) -> None:
    """Load deterministic demo data (applies migrations first)."""
    url = resolve_url(Settings())
    upgrade(url)
    started = datetime.now()
    if asyncio.run(_seed(url, scale, seed, as_of, reset=reset, only_if_empty=if_empty)):
        console.print(f"seeded in {(datetime.now() - started).total_seconds():.1f} s")
    else:
        console.print("the database already holds cases: left as it is")


def _check_free(host: str, port: int) -> None:
    """Fail before the slow start (migrations, demo data) rather than after it, with the setting to change."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InvalidInput("port", f"{host}:{port} is not free ({error.strerror}); set PORT or --port") from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 8000).")] = None,
    demo: Annotated[bool, typer.Option(help="Load demo data on the first start.")] = True,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes sharing the port (default: WORKERS or 1); more need RATE_LIMIT_URL."),
    ] = None,
) -> None:
    """Migrate, load demo data on the first start, and serve the API."""
    settings = Settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    processes = workers or settings.workers
    serving.refuse_unshared_budgets(settings, processes)
    _check_free(bind_host, bind_port)
    url = resolve_url(settings)
    console.print("applying migrations")
    upgrade(url)
    if demo and asyncio.run(_seed(url, ScaleName.DEMO, DEMO_SEED, None, reset=False, only_if_empty=True)):
        console.print("demo data loaded")
    console.print(f"OPEN serves http://{bind_host}:{bind_port}/ (the page) and /graphql (API and GraphiQL)")
    serving.serve(settings, url, bind_host, bind_port, processes)


@app.command("ledger-key")
def ledger_key() -> None:
    """Print the ledger's public verifier key (making the signing key in DATA_DIR if none is configured yet)."""
    print(ledger_signer(Settings()).verifier_key)


@app.command("ledger-check")
def check_ledger(
    most: Annotated[int, typer.Option(help="How many differences of each kind to list at most.")] = 20,
) -> None:
    """Check that every event row and every case page says what the ledger's leaves say; exit 1 if not."""
    settings = Settings()

    async def run() -> ledger_check.Checked:
        engine = create_engine(resolve_url(settings), settings.model_copy(update={"db_pool_size": 1}))
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await ledger_check.check(session, most)
        finally:
            await engine.dispose()

    checked = asyncio.run(run())
    for difference in checked.differences:
        # One difference per line, unwrapped and taken literally: scripts and tests read them.
        console.print(difference, soft_wrap=True, markup=False, highlight=False)
    if checked.differences:
        raise typer.Exit(1)
    print(f"ok: {checked.leaves} events match their leaves; {checked.cases} cases show what the leaves say")


witness_app = typer.Typer(
    help="A witness that cosigns transparency logs' checkpoints (c2sp.org/tlog-witness); `key` prints its key.",
)
app.add_typer(witness_app, name="witness")
StateDir = Annotated[
    Path, typer.Option(help="The witness's own folder: its key (made on the first run) and what it cosigned.")
]
WitnessName = Annotated[
    str | None,
    typer.Option(help="The witness's key name, e.g. witness.example.org/w1: required when its key is made."),
]


def _witness_key(state_dir: Path, name: str | None) -> Cosigner:
    try:
        return load_cosigner(state_dir / WITNESS_KEY_FILE, name)
    except ValueError as error:
        raise InvalidInput("--name", str(error)) from None


@witness_app.callback(invoke_without_command=True)
def witness(
    context: typer.Context,
    state_dir: Annotated[Path | None, typer.Option(help="The witness's own folder (see `witness key`).")] = None,
    log: Annotated[
        list[str] | None,
        typer.Option(help="A log's verifier key (`openproc ledger-key`); its name is the log's origin. Repeatable."),
    ] = None,
    name: WitnessName = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8700,
) -> None:
    """Serve POST /add-checkpoint: cosign each log's checkpoints that extend what it cosigned before.

    The first checkpoint of a log is accepted as it comes (trust on first use); from then on only a checkpoint
    proven consistent with the last one cosigned is. It never reads the log's database.
    """
    if context.invoked_subcommand is not None:
        return
    if state_dir is None or not log:
        raise InvalidInput("witness", "give --state-dir and at least one --log")
    cosigner = _witness_key(state_dir, name)
    try:
        state = WitnessState(state_dir / WITNESS_STATE_FILE)
        served = Witness(cosigner, log, state)
    except (ValueError, StateInUse) as error:
        raise InvalidInput("--log", str(error)) from None
    _check_free(host, port)
    settings = Settings()
    configure_logging(settings.log_level, json_format=settings.log_format == "json")
    console.print(f"witness {cosigner.verifier_key} serves http://{host}:{port}/add-checkpoint")
    try:
        uvicorn.run(create_witness_app(served), host=host, port=port, log_level=settings.log_level, log_config=None)
    finally:
        state.close()


@witness_app.command("key")
def witness_key(state_dir: StateDir, name: WitnessName = None) -> None:
    """Print the witness's verifier key (making its key in --state-dir, under --name, if there is none yet)."""
    print(_witness_key(state_dir, name).verifier_key)


@app.command("database-url")
def database_url() -> None:
    """Print the database URL in use (starting the embedded server if needed), e.g. for psql."""
    print(resolve_url(Settings()))


@app.command("schema")
def print_schema() -> None:
    """Print the GraphQL schema (SDL); `make schema` writes it to schema.graphql."""
    from schema import schema as graphql_schema

    print(graphql_schema.as_str())


@app.command("oversight")
def oversight() -> None:
    """Run one oversight round now: report new delays, refresh the prediction norms, announce milestones.

    Running servers do the same every OVERSIGHT_INTERVAL_S seconds; their watchers see what this reports within
    their poll interval.
    """
    settings = Settings()

    async def once() -> Round:
        engine = create_engine(resolve_url(settings), settings.model_copy(update={"db_pool_size": 2}))
        try:
            return await run_round(create_sessionmaker(engine), settings.policy(), settings.prediction_min_samples)
        finally:
            await engine.dispose()

    done = asyncio.run(once())
    console.print(
        f"{done.delays.processing} processing delays, {done.delays.input} input delays, "
        f"{done.milestones} milestones reported"
    )


officer_app = typer.Typer(help="Officers: bearer tokens and roles.", no_args_is_help=True)
token_app = typer.Typer(help="Issue and revoke officers' bearer tokens.", no_args_is_help=True)
officer_app.add_typer(token_app, name="token")
app.add_typer(officer_app, name="officer")


async def _in_transaction(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(url, Settings(db_pool_size=1))
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


@token_app.command("create")
def token_create(
    employee_no: Annotated[str, typer.Argument(help="The officer's employee number (e.g. S000123).")],
    days: Annotated[int, typer.Option(help="Days until it expires (1–365).")] = 30,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Issue a token and print it once; only its hash is kept."""
    token, row = asyncio.run(
        _in_transaction(resolve_url(Settings()), lambda session: auth.create_token(session, employee_no, days, label))
    )
    console.print(f"token {row.id} for {employee_no}, expires {row.expires_at:%Y-%m-%d %H:%M} UTC")
    print(token)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's number, as `create` printed it.")]) -> None:
    """Revoke a token at once."""
    revoked = asyncio.run(
        _in_transaction(resolve_url(Settings()), lambda session: auth.revoke_token(session, token_id))
    )
    console.print("revoked" if revoked else "[red]no live token with that number[/red]")
    if not revoked:
        raise typer.Exit(1)


class RoleName(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


@officer_app.command("role")
def officer_role(
    employee_no: Annotated[str, typer.Argument(help="The officer's employee number.")],
    role: Annotated[RoleName, typer.Argument(help="The new role.")],
) -> None:
    """Give an officer a role."""

    async def grant(session: AsyncSession) -> bool:
        officer = await session.scalar(select(Officer).where(Officer.employee_no == employee_no))
        if officer is None:
            return False
        officer.role = OfficerRole(role.value)
        return True

    if not asyncio.run(_in_transaction(resolve_url(Settings()), grant)):
        console.print(f"[red]no officer {employee_no}[/red]")
        raise typer.Exit(1)
    console.print(f"{employee_no} is now {role.value}")


@officer_app.command("find")
def officer_find(receipt_no: Annotated[str, typer.Argument(help="A case's receipt number.")]) -> None:
    """Show who holds each step of a case: its employee numbers (for `token create`) and step IDs (for mutations)."""

    async def line(session: AsyncSession) -> list[tuple[int, str, str, str, str, str]]:
        rows = await session.execute(
            select(Step.sequence, Step.name, Step.status, Step.id, Officer.employee_no, Officer.name)
            .join(Officer, Officer.id == Step.officer_id)
            .join(Case, Case.id == Step.case_id)
            .where(Case.receipt_no == receipt_no)
            .order_by(Step.sequence)
        )
        return [
            (sequence, name, status.value, to_base64("Step", step_id), employee_no, officer)
            for sequence, name, status, step_id, employee_no, officer in rows
        ]

    steps = asyncio.run(_in_transaction(resolve_url(Settings()), line))
    if not steps:
        raise InvalidInput("receipt number", f"no case {receipt_no}")
    console.print("step\tname\tstatus\tstep ID\temployee\tofficer", highlight=False)
    for step in steps:
        print("\t".join(str(column) for column in step))


reference_app = typer.Typer(
    help="Reference data: task types, approval lines, laws, departments, officers.", no_args_is_help=True
)
app.add_typer(reference_app, name="reference")


@reference_app.command("export")
def reference_export() -> None:
    """Print all reference data as YAML, in the format `import` reads."""
    data = asyncio.run(_in_transaction(resolve_url(Settings()), reference.export))
    print(reference.dump(data), end="")


@reference_app.command("import")
def reference_import(
    path: Annotated[Path, typer.Argument(help="A YAML file, as `export` writes it (any subset of it).")],
    as_officer: Annotated[str, typer.Option("--as", help="Employee number of the administrator importing.")],
) -> None:
    """Create or update reference data from a file, as an administrator; recorded as one event."""

    async def apply(session: AsyncSession) -> dict[str, list[str]]:
        officer = await session.scalar(select(Officer).where(Officer.employee_no == as_officer))
        if officer is None:
            raise typer.BadParameter(f"no officer {as_officer}", param_hint="--as")
        return await reference.apply(session, officer, reference.parse(path.read_text(encoding="utf-8")))

    try:
        changed = asyncio.run(_in_transaction(resolve_url(Settings()), apply))
    except (WorkflowError, Forbidden) as error:
        where = f" at {error.field}" if isinstance(error, WorkflowError) and error.field else ""
        console.print(f"[red]nothing imported{where}: {error}[/red]")
        raise typer.Exit(1) from error
    console.print(", ".join(f"{len(keys)} {kind}" for kind, keys in changed.items()))


webhook_app = typer.Typer(
    help="Webhooks: list them; pause, resume, delete one or rotate its secret.", no_args_is_help=True
)
app.add_typer(webhook_app, name="webhook")
WebhookId = Annotated[int, typer.Argument(help="The webhook's number, as `list` shows it.")]


def _on_webhooks(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_in_transaction(resolve_url(Settings()), work))
    except WorkflowError as error:
        console.print(f"[red]{error.message}[/red]", highlight=False)
        raise typer.Exit(1) from error


@webhook_app.command("list")
def webhook_list() -> None:
    """Print the webhooks not deleted, one a line, tab-separated: number, status, last sequence delivered, failures
    in a row, next attempt, URL and filter. Never their secrets."""
    for hook in _on_webhooks(webhooks.listed):
        watch = webhooks.watch_of(hook)
        wanted = [
            *([f"task={watch.task_type_code}"] if watch.task_type_code else []),
            *([f"department={watch.department_id}"] if watch.department_id else []),
            *(["types=" + ",".join(sorted(kind.value for kind in watch.event_types))] if watch.event_types else []),
        ]
        next_attempt = hook.next_attempt_at.astimezone(SEOUL).isoformat(timespec="seconds")
        columns = (hook.id, hook.status.value, hook.delivered_through, hook.failures, next_attempt, hook.url)
        print("\t".join([*map(str, columns), " ".join(wanted) or "all events"]))


@webhook_app.command("pause")
def webhook_pause(webhook_id: WebhookId) -> None:
    """Send nothing more until `resume`; the webhook keeps its place."""
    hook = _on_webhooks(lambda session: webhooks.pause(session, webhook_id))
    console.print(f"webhook {hook.id} paused after sequence {hook.delivered_through}")


@webhook_app.command("resume")
def webhook_resume(webhook_id: WebhookId) -> None:
    """Deliver again, at once, what came after the last sequence it accepted."""
    hook = _on_webhooks(lambda session: webhooks.resume(session, webhook_id))
    console.print(f"webhook {hook.id} resumed after sequence {hook.delivered_through}")


@webhook_app.command("delete")
def webhook_delete(webhook_id: WebhookId) -> None:
    """Send nothing more to the webhook, ever."""
    hook = _on_webhooks(lambda session: webhooks.delete(session, webhook_id))
    console.print(f"webhook {hook.id} deleted")


@webhook_app.command("rotate-secret")
def webhook_rotate_secret(webhook_id: WebhookId) -> None:
    """Replace the webhook's secret and print the new one, once; the old one signs nothing more."""
    hook, secret = _on_webhooks(lambda session: webhooks.rotate_secret(session, webhook_id))
    console.print(f"webhook {hook.id} has a new secret; the old one signs nothing more")
    print(secret)


class Tokens:
    """Short-lived tokens for the officers a demo acts as, revoked when it ends."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.issued: dict[str, tuple[str, int]] = {}

    def __call__(self, officer_gid: str) -> str:
        if officer_gid not in self.issued:
            officer_id = int(from_base64(officer_gid)[1])

            async def create(session: AsyncSession) -> tuple[str, int]:
                employee_no = await session.scalar(select(Officer.employee_no).where(Officer.id == officer_id))
                token, row = await auth.create_token(session, employee_no or "", 1, "openproc demo")
                return token, row.id

            self.issued[officer_gid] = asyncio.run(_in_transaction(self.database, create))
        return self.issued[officer_gid][0]

    def revoke(self) -> None:
        token_ids = [token_id for _, token_id in self.issued.values()]

        async def revoke_all(session: AsyncSession) -> None:
            for token_id in token_ids:
                await auth.revoke_token(session, token_id)

        asyncio.run(_in_transaction(self.database, revoke_all))


def _served(url: str | None) -> str:
    """The API of the server `openproc serve` starts with the same settings, unless told another."""
    settings = Settings()
    return walk.endpoint(url or f"http://{settings.host}:{settings.port}")


@app.command("walk")
def walk_case(
    receipt_no: Annotated[str, typer.Argument(help="The case to take to its end.")],
    url: Annotated[
        str | None,
        typer.Option(help="The running server, as http://host:port or its /graphql URL (default: HOST and PORT)."),
    ] = None,
    result: Annotated[str, typer.Option(help="The result to record when closing.")] = "허가",
) -> None:
    """Start and sign every remaining step of a case through the HTTP API, each as its own officer, then close it."""
    tokens = Tokens(resolve_url(Settings()))
    try:
        walk.walk(_served(url), receipt_no, tokens, console.print, result)
    except (RuntimeError, OSError) as error:
        console.print(f"[red]stopped: {error}[/red]")
        raise typer.Exit(1) from error
    finally:
        tokens.revoke()


@app.command("simulate")
def simulate(
    url: Annotated[
        str | None,
        typer.Option(help="The running server, as http://host:port or its /graphql URL (default: HOST and PORT)."),
    ] = None,
    per_minute: Annotated[float, typer.Option(help="Actions a minute.")] = 30,
    actions: Annotated[int, typer.Option(help="Stop after this many actions.")] = 1_000,
) -> None:
    """Act as officers moving random demo cases forward through the HTTP API, so pages and watchers see movement."""
    tokens = Tokens(resolve_url(Settings()))
    try:
        done = walk.simulate(_served(url), tokens, console.print, per_minute=per_minute, actions=actions)
        console.print(f"{done} actions")
    except (RuntimeError, OSError) as error:
        console.print(f"[red]stopped: {error}[/red]")
        raise typer.Exit(1) from error
    finally:
        tokens.revoke()


export_app = typer.Typer(help="Open-data exports.", no_args_is_help=True)
app.add_typer(export_app, name="export")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@export_app.command("blds")
def export_blds(
    out: Annotated[Path, typer.Option(help="Folder to write permits.<format> and permit_status.<format> into.")] = Path(
        "exports"
    ),
    format: Annotated[ExportFormat, typer.Option(help="csv or json.")] = ExportFormat.CSV,
) -> None:
    """Write the BLDS-style permits export and its status history (also served under /exports/blds/)."""

    async def write() -> dict[str, int]:
        settings = Settings()
        engine = create_engine(resolve_url(settings), settings.model_copy(update={"db_pool_size": 1}))
        try:
            sessions = create_sessionmaker(engine)
            counts = {}
            for dataset, columns in exports.DATASETS.items():
                rows = [row async for batch in exports.rows_of(sessions, dataset) for row in batch]
                (out / f"{dataset}.{format.value}").write_text(
                    exports.render(rows, columns, format.value), encoding="utf-8"
                )
                counts[dataset] = len(rows)
            return counts
        finally:
            await engine.dispose()

    out.mkdir(parents=True, exist_ok=True)
    counts = asyncio.run(write())
    console.print(", ".join(f"{count:,} rows in {out / f'{name}.{format.value}'}" for name, count in counts.items()))


# What a user can fix — a wrong DATABASE_URL, a database or host that is not there, a busy port, an unknown
# employee or receipt number — is one line and exit status 1. Anything else is a bug and keeps its traceback.
FIXABLE = (InvalidInput, WorkflowError, Forbidden, OSError, DBAPIError, asyncpg.PostgresError, ArgumentError)


def _one_line(error: BaseException) -> str:
    # SQLAlchemy wraps the driver's error and appends a link; the driver's own words are the useful part.
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    if isinstance(error, ConnectionError | socket.gaierror | DBAPIError | asyncpg.PostgresError):
        return f"{text} (database: {_database_hint()})"
    return text


def _database_hint() -> str:
    url = Settings().database_url
    return make_url(url.get_secret_value()).render_as_string(hide_password=True) if url else "embedded"


def main() -> None:
    """The `openproc` command."""
    try:
        app()
    except FIXABLE as error:
        console.print(f"[red]openproc: {_one_line(error)}[/red]", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
