"""What every layer reports about itself: the request id that log lines carry, and the Prometheus metrics. The
bottom layer, so that the hub, the signer and the schema count without importing the app (openproc/), which
serves these at /metrics and sets the id per request."""

import contextvars
import re

from prometheus_client import Counter, Gauge, Histogram

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

OPERATIONS = Histogram(
    "openproc_graphql_operation_seconds",
    "GraphQL operations by name and type, and how long they took",
    ["operation", "type", "outcome"],
)
# Operation names are chosen by clients: the first this many distinct names keep their own label and every later
# one is counted as "other", so no client can grow /metrics (and each scrape) without bound.
OPERATION_NAMES = 100
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_named: set[str] = set()


def observe_operation(name: str | None, kind: str, outcome: str, seconds: float) -> None:
    """Count one operation under a bounded set of name labels."""
    label = name if name and NAME.fullmatch(name) else "anonymous" if not name else "other"
    if label not in _named and label != "anonymous":
        if len(_named) >= OPERATION_NAMES:
            label = "other"
        else:
            _named.add(label)
    OPERATIONS.labels(label, kind, outcome).observe(seconds)


EVENTS_PUBLISHED = Counter("openproc_events_published_total", "Writes that appended events and rang the bus")
EVENTS_DELIVERED = Counter("openproc_events_delivered_total", "Event messages queued to watchers")
EVENTS_READ = Counter("openproc_events_read_total", "Events the hub read from the log")
LOG_REWINDS = Counter(
    "openproc_log_rewinds_total", "Times the event log was found to end before what this process had read"
)
LEDGER_REFUSALS = Counter(
    "openproc_ledger_signing_refusals_total",
    "Rounds in which the signer refused to sign a tree that contradicts a checkpoint it signed before",
)
# Labelled by the witness's key name, from the log's configuration (LEDGER_WITNESS_KEYS), and a fixed set of
# reasons (openproc/witness_feed.py): nothing a witness answers can add a label.
LEDGER_COSIGNATURES = Counter(
    "openproc_ledger_cosignatures_total",
    "Checkpoints a witness cosigned: cosignature verified with the configured key and stored",
    ["witness"],
)
LEDGER_WITNESS_FAILURES = Counter(
    "openproc_ledger_witness_failures_total",
    "Submissions of a checkpoint to a witness that brought no cosignature, by reason",
    ["witness", "reason"],
)
BUS_LAG = Histogram(
    "openproc_bus_lag_seconds",
    "From an event's recording to this process's hub reading it",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LOOP_LAG = Histogram(
    "openproc_event_loop_lag_seconds",
    "How late the event loop woke a sampler sleeping a fixed interval: how long other work held the loop",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Per process, labelled with its pid when several serve one port (openproc/serving.py), while it lives; counted as
# they change (a function read at scrape time would read only the process scraped).
WATCHERS = Gauge("openproc_subscriptions_open", "Open subscriptions on this process", multiprocess_mode="liveall")
BUS_RECONNECTS = Gauge(
    "openproc_bus_reconnects", "Times this process's bus connection was re-established", multiprocess_mode="liveall"
)
# Each process measures the same standbys; a scrape of several processes keeps the worst (openproc/replicas.py).
REPLICA_LAG = Gauge(
    "openproc_replica_lag_seconds",
    "How long ago the primary was where this standby has replayed to (0: caught up; +Inf: unreachable)",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_LAG_BYTES = Gauge(
    "openproc_replica_lag_bytes",
    "Write-ahead log the primary had written that this standby had not replayed, at the last poll",
    ["replica"],
    multiprocess_mode="livemax",
)
READS = Counter(
    "openproc_reads_total",
    "Anonymous reads and subscription catch-ups, by the database that answered and why",
    ["database", "reason"],
)
