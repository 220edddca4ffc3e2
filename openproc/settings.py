import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.cosignature import CosignatureKey
from resolvers.context import Context, Headers
from resolvers.dataloaders import Sessions
from resolvers.rate_limit import RateLimiter, budgets
from resolvers.reads import Router
from resolvers.webhook_targets import Targets
from resolvers.workflow.checks import Policy
from subscriptions.limits import Limits

logger = logging.getLogger("openproc.settings")


class Settings(BaseSettings):
    """Typed configuration, read once from the environment (and an optional `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Unset: an embedded PostgreSQL is started from the `pgserver` package under `data_dir`.
    # The URL may carry a password, so it is a secret and masked in reprs and logs.
    database_url: SecretStr | None = None
    # Hot standbys of DATABASE_URL (comma-separated URLs) for anonymous reads, statistics and subscription
    # catch-ups; writes and officers' reads stay on the primary (openproc/replicas.py, docs/scaling.md).
    database_read_urls: SecretStr | None = None
    # Seconds between polls of the standbys' positions, and while a reader waits for one to catch up.
    replica_poll_s: PositiveFloat = 0.1
    replica_wait_poll_s: PositiveFloat = 0.005
    # Seconds a read that names a commit position waits for a standby before the primary answers it.
    replica_wait_s: NonNegativeFloat = 0.5
    # A standby further behind than this serves no reads and makes /readyz answer 503.
    replica_max_lag_s: PositiveFloat = 5.0
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # Peers whose X-Forwarded-For names the client (uvicorn's setting of the same name): the balancer in front.
    # Rate limits count per client address; behind an untrusted balancer every caller would share its address.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    log_level: str = "info"
    # Server processes of `openproc serve` sharing its port (uvicorn's supervisor); more than one needs
    # RATE_LIMIT_URL, and uses the database as the bus unless BROADCAST_URL names one (openproc/serving.py).
    workers: PositiveInt = 1
    # Seconds a worker may leave the supervisor's health check unanswered before it is killed and replaced. A
    # starting worker answers only once it has imported the app: 5 s (uvicorn's default) killed them at start, in
    # a loop, on two busy cores.
    worker_healthcheck_timeout_s: PositiveInt = 30
    # "json" (one object per line, with the request id) or "text" for reading in a terminal.
    log_format: str = "json"
    # Connections per process; two cores gain nothing from more.
    db_pool_size: int = 16
    # Seconds a statement may run before PostgreSQL cancels it.
    statement_timeout_s: float = 10.0
    # PostgreSQL's JIT compiles a statement whose estimated cost is high. The API's statements are short, and an
    # estimate far above the truth (an audit rule's, which cannot tell how few endings are suspect) had a 20 ms
    # page spend 260 ms compiling: off unless a deployment measures otherwise.
    db_jit: bool = False
    # Seconds a query or mutation resolver may run before it is cancelled (a masked, logged error); subscription
    # streams have no such limit.
    resolver_timeout_s: float = 15.0
    # Seconds between samples of the event loop's lag (openproc_event_loop_lag_seconds); 0 turns sampling off.
    loop_lag_sample_s: float = 0.01
    # Seconds /readyz gives the database and the bus (one reconnecting) to answer before it says not ready.
    ready_timeout_s: float = 2.0
    # How far back officers may date what they enter (the gap is reported as input delay).
    backdate_limit_days: int = 7
    # The doorbell between processes: memory:// (one process), postgres://… (LISTEN/NOTIFY) or redis://….
    broadcast_url: SecretStr = SecretStr("memory://")
    broadcast_channel: str = "openproc_events"
    # Seconds between checks of the log when no wake-up arrives: the worst delay if a wake-up is lost.
    poll_interval_s: float = 2.0
    # WebSocket limits: seconds to say connection_init, subscriptions per socket, messages queued per socket
    # before the watcher counts as too far behind (it is told where to resume and closed).
    ws_init_timeout_s: float = 10.0
    ws_max_subscriptions: int = 50
    ws_send_buffer: int = 1_000
    ws_max_connections_per_client: int = 500
    # Bytes those queued messages may hold on one socket, and on all sockets of one client address together (a
    # subscriber chooses each message's size); and the rendered payloads the process keeps for catch-ups.
    ws_send_buffer_bytes: PositiveInt = 4 * 1024 * 1024
    ws_client_buffer_bytes: PositiveInt = 32 * 1024 * 1024
    ws_render_cache_bytes: PositiveInt = 16 * 1024 * 1024
    # HTTP requests one process works on at once (WebSockets, /healthz, /readyz and /metrics are not counted); the
    # excess waits up to ADMISSION_WAIT_S for a place, then gets 503 with Retry-After, and for two seconds after
    # such a timeout the excess is refused without waiting (openproc/admission.py). 0 turns the cap off.
    # 16 is the database pool: a request beyond it would only wait for a connection. Measured on two cores
    # (bench/overload): at twice the sustainable rate, refusals p99 16 ms and answers p99 61 ms; 8 cost a third
    # of the throughput of 16 closed-loop readers (bench/peer), who never wait at 16.
    max_in_flight: int = 16
    admission_wait_s: float = 0.05
    # Rate limits per minute: anonymous HTTP requests per client address (officers with a token are counted by
    # their own limits), and signatures per officer. Applications and access codes have fixed, tighter budgets.
    rate_anonymous_per_minute: PositiveInt = 6_000
    rate_signings_per_minute: PositiveInt = 120
    # Where budgets are counted. Unset: in each process, so behind N replicas a caller gets N times each budget.
    # redis://host:port/db (or rediss://): one budget per caller shared by every replica using the same URL and
    # prefix; if Redis fails, a process counts in its own memory until it answers again (resolvers/rate_limit.py).
    rate_limit_url: SecretStr | None = None
    rate_limit_key_prefix: str = "openproc-budgets"
    # Seconds a bearer token found live is remembered by the anonymous budget (which charges every other request,
    # a made-up token's included); revocation still takes effect at once for what the token may do.
    token_verified_for_s: float = 60.0
    # Origins whose pages may call the API from a browser (/graphql, /open311/…, /exports/…, /ledger/…): `*` for
    # any, or a comma-separated list (https://a.example,https://b.example). Credentials in the CORS sense (cookies,
    # HTTP authentication) stay same-origin unless allowed here, and never with `*` (openproc/cors.py).
    cors_allow_origins: str = "*"
    cors_allow_credentials: bool = False
    # Who may scrape /metrics: comma-separated networks (CIDR), or `*` for anyone. By default loopback and the
    # private ranges, where a scraper sits; a client through a public balancer gets 403.
    metrics_allowed_networks: str = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
    # Webhooks go to public addresses only, unless their host is named here: comma-separated host names, addresses
    # or networks (CIDR) of internal receivers, e.g. `hooks.city.internal,10.20.0.0/16` (server-side request forgery
    # is refused otherwise, at registration and at every delivery).
    webhook_allowed_hosts: str = ""
    # Webhooks: first retry after this many seconds, doubling up to five minutes.
    webhook_backoff_s: float = 1.0
    # The oversight round (delays, prediction norms, milestones): seconds between rounds, 0 for none.
    oversight_interval_s: float = 300.0
    # An officer's entry recorded more than this many working hours after the fact is an input delay (입력지연):
    # hours of the statutory clock's calendar (09–12 and 13–18 on working days), so a weekend never counts.
    input_delay_working_hours: float = 8.0
    # Late entries of one officer recorded less than this many minutes apart are one sitting, reported as one delay
    # per case: an officer catching up on a backlog at one desk session is one lapse, not one per keystroke.
    input_sitting_gap_minutes: float = 30.0
    # Officers the audit office may award for timely input each month, from the top of the ranking
    # (Seoul gave seven a month).
    inputter_awards_per_month: PositiveInt = 7
    # Standing inspections each active team makes a month (Seoul's ran twice a month), and the cases each samples.
    inspections_per_month: PositiveInt = 2
    inspection_sample_size: PositiveInt = 10
    # Deprecated (calendar hours): when set, a third of it is taken as working hours (24 → 8, a day to a working
    # day) and a warning is logged. Removed after 2027-06-30.
    input_delay_hours: float | None = None
    # A completion is predicted only from steps signed at least this often before (fewer: no reliable estimate).
    prediction_min_samples: int = 10
    # Public queries over cases answered by one SQL statement building the JSON (readpath/); off: Strawberry
    # resolves every field (the same answers, slower; for comparison).
    compiled_reads: bool = True
    # Seconds an open-data export (/exports/…) is served again after the log has moved; it is rebuilt after that.
    export_max_age_s: float = 60.0
    # Seconds a compiled answer may be served again; events drop it at once (readpath/cache.py). 0: no cache.
    response_cache_s: float = 0.0
    # Persisted queries (Apollo's APQ) this process remembers, the most recently used (openproc/persisted_queries.py).
    persisted_queries: PositiveInt = 1_000
    # `max-age` of anonymous GET answers (openproc/http_cache.py): how long a cache in front may serve one without
    # asking again, so how long after an event it may still show what the event changed. 0: ask every time (ETag).
    http_cache_max_age_s: NonNegativeInt = 0
    # The ledger's checkpoints: their origin line (also the key's name) and the Ed25519 key (base64 of the 32-byte
    # seed). Without a key one is generated into DATA_DIR; replicas must share one, so set it when scaling out.
    # Without an origin it is this server's own address, `<HOST>:<PORT>/ledger` (see `origin`).
    ledger_origin: str | None = None
    # Seconds between the signer's rounds (each signs the grown tree, after proving it extends the last one).
    ledger_checkpoint_interval_s: float = 1.0
    ledger_signing_key: SecretStr | None = None
    # Witnesses that cosign the checkpoints (c2sp.org/tlog-witness): their base URLs (the submission prefix,
    # before /add-checkpoint) and, in the same order, their verifier keys (`openproc witness key`), comma-separated.
    # Empty: no witness. Each new checkpoint is submitted in the background; a cosignature is stored only once it
    # verifies with the witness's key, and /ledger/checkpoint serves it appended to the checkpoint.
    ledger_witness_urls: str = ""
    ledger_witness_keys: str = ""
    # Seconds one submission to a witness may take (connection, proof, answer); a witness that is down or silent
    # costs its own background task this long, never a signing.
    ledger_witness_timeout_s: PositiveFloat = 5.0
    # Seconds after which an unchanged checkpoint is submitted again, so that a quiet log keeps a fresh cosignature
    # and a verifier can tell it from a frozen one (whose cosignatures only grow old).
    ledger_witness_refresh_s: PositiveFloat = 60.0

    @field_validator("metrics_allowed_networks")
    @classmethod
    def _networks(cls, text: str) -> str:
        if text.strip() != "*":
            for item in text.split(","):
                ip_network(item.strip())  # a ValueError names the faulty item
        return text

    def metrics_networks(self) -> list[IPv4Network | IPv6Network] | None:
        """The networks /metrics is served to; None for anyone."""
        if self.metrics_allowed_networks.strip() == "*":
            return None
        return [ip_network(item.strip()) for item in self.metrics_allowed_networks.split(",")]

    @model_validator(mode="after")
    def _witnesses_pair_up(self) -> Self:
        self.witnesses()  # a ValueError names what does not fit
        return self

    def witnesses(self) -> list[tuple[str, CosignatureKey]]:
        """(base URL, verifier key) of each witness the log submits its checkpoints to."""
        urls = [url.strip() for url in self.ledger_witness_urls.split(",") if url.strip()]
        keys = [key.strip() for key in self.ledger_witness_keys.split(",") if key.strip()]
        if len(urls) != len(keys):
            raise ValueError(
                f"LEDGER_WITNESS_URLS names {len(urls)} witnesses, LEDGER_WITNESS_KEYS {len(keys)} keys: one key each"
            )
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"LEDGER_WITNESS_URLS: {url!r} is not an http(s) URL")
        return [(url, CosignatureKey(key)) for url, key in zip(urls, keys, strict=True)]

    @field_validator("rate_limit_url")
    @classmethod
    def _shared_budgets_in_redis(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None and urlsplit(url.get_secret_value()).scheme not in ("redis", "rediss"):
            raise ValueError("RATE_LIMIT_URL must be a redis:// or rediss:// URL")
        return url

    # What the lower layers are built with: they hold no defaults of their own, so a setting cannot be ignored by
    # one door that built its own with the defaults.
    @property
    def origin(self) -> str:
        """The checkpoints' origin: LEDGER_ORIGIN, else the ledger's prefix without its scheme as tlog-tiles
        recommends, named by the configured HOST and PORT (the host name when HOST is every address), so that
        `openproc ledger-key` and the server agree whatever `serve --port` says. A public deployment sets
        LEDGER_ORIGIN to its public name; changing the origin starts a new log for verifiers."""
        if self.ledger_origin:
            return self.ledger_origin
        host = socket.gethostname() if self.host in ("0.0.0.0", "::", "") else self.host
        return f"[{host}]:{self.port}/ledger" if ":" in host else f"{host}:{self.port}/ledger"

    def policy(self) -> Policy:
        working_hours = self.input_delay_working_hours
        if self.input_delay_hours is not None:
            working_hours = self.input_delay_hours / 3
            logger.warning(
                "INPUT_DELAY_HOURS is deprecated (removed after 2027-06-30): set INPUT_DELAY_WORKING_HOURS; "
                "using %.2f working hours",
                working_hours,
            )
        return Policy(
            backdate_limit=timedelta(days=self.backdate_limit_days),
            input_delay_hours=working_hours,
            sitting_gap=timedelta(minutes=self.input_sitting_gap_minutes),
            awards_per_month=self.inputter_awards_per_month,
            inspections_per_month=self.inspections_per_month,
            inspection_sample_size=self.inspection_sample_size,
            webhook_targets=Targets.parse(self.webhook_allowed_hosts),
        )

    def rate_limiter(self) -> RateLimiter:
        return RateLimiter(
            budgets(self.rate_anonymous_per_minute, self.rate_signings_per_minute),
            self.rate_limit_url.get_secret_value() if self.rate_limit_url else None,
            self.rate_limit_key_prefix,
        )

    def socket_limits(self) -> Limits:
        return Limits(
            init_timeout_s=self.ws_init_timeout_s,
            subscriptions_per_connection=self.ws_max_subscriptions,
            send_buffer=self.ws_send_buffer,
            connections_per_client=self.ws_max_connections_per_client,
            send_buffer_bytes=self.ws_send_buffer_bytes,
            client_buffer_bytes=self.ws_client_buffer_bytes,
            render_cache_bytes=self.ws_render_cache_bytes,
        )

    def read_urls(self) -> list[str]:
        urls = self.database_read_urls.get_secret_value() if self.database_read_urls else ""
        return [url.strip() for url in urls.split(",") if url.strip()]

    def context(
        self,
        sessions: Sessions,
        *,
        limiter: RateLimiter | None = None,
        policy: Policy | None = None,
        token: str | None = None,
        client: str = "unknown",
        response_headers: Headers | None = None,
        on_commit: Callable[[], Awaitable[None]] | None = None,
        ledger_key: str = "",
        reads: Router | None = None,
    ) -> Context:
        """A request's context under these settings. The app passes the process's one limiter and policy; tools and
        tests that run the schema on their own get new ones, with budgets in their own memory (a Redis pool per
        context would never be closed)."""
        return Context(
            sessions,
            token=token,
            client=client,
            limiter=limiter or RateLimiter(budgets(self.rate_anonymous_per_minute, self.rate_signings_per_minute)),
            policy=policy or self.policy(),
            resolver_timeout_s=self.resolver_timeout_s,
            response_headers=response_headers,
            on_commit=on_commit,
            ledger_key=ledger_key,
            reads=reads,
        )
