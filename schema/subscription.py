"""Live subscriptions: a case's progress, and the public feed. Payloads render from a snapshot, without I/O."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from models import Officer as OfficerRow
from resolvers.errors import InvalidInput
from resolvers.progress import CaseState, Snapshot, StepState, Watch
from schema.enums import CaseStatus, EventType, StepStatus
from schema.ids import optional_db_id_for
from schema.time import local, past_due


def _gid(type_name: str, row_id: int) -> relay.GlobalID:
    return relay.GlobalID(type_name=type_name, node_id=str(row_id))


@strawberry.type(description="An officer as an event shows them (public identity and work contacts).")
class OfficerSnapshot:
    id: relay.GlobalID = strawberry.field(description="The officer's ID (query `node` for more).")
    name: str = strawberry.field(description="Full name.")
    title: str = strawberry.field(description="Position title.")
    email: str = strawberry.field(description="Public work e-mail address.")
    phone: str = strawberry.field(description="Public work phone number.")

    @classmethod
    def of(cls, row: OfficerRow) -> OfficerSnapshot:
        return cls(id=_gid("Officer", row.id), name=row.name, title=row.title, email=row.email, phone=row.phone)


@strawberry.type(description="A step as it stood when the event was delivered.")
class StepSnapshot:
    id: relay.GlobalID = strawberry.field(description="The step's ID.")
    sequence: int = strawberry.field(description="Position in the approval line, from 1.")
    name: str = strawberry.field(description="Name of the step.")
    status: StepStatus = strawberry.field(description="Where the step stands.")
    started_at: datetime | None = strawberry.field(description="When its turn began (Asia/Seoul).")
    due_at: datetime | None = strawberry.field(description="When it must be signed by (Asia/Seoul).")
    signed_at: datetime | None = strawberry.field(description="When it was signed (Asia/Seoul).")
    comment: str | None = strawberry.field(description="The officer's public comment.")
    officer: OfficerSnapshot = strawberry.field(description="The officer assigned to the step.")
    department: str = strawberry.field(description="The assigned officer's department.")
    signer: OfficerSnapshot | None = strawberry.field(description="Who signed it, if signed.")

    @classmethod
    def of(cls, state: StepState) -> StepSnapshot:
        step = state.step
        return cls(
            id=_gid("Step", step.id),
            sequence=step.sequence,
            name=step.name,
            status=step.status,
            started_at=local(step.started_at),
            due_at=local(step.due_at),
            signed_at=local(step.signed_at),
            comment=step.comment,
            officer=OfficerSnapshot.of(state.officer),
            department=state.officer_department,
            signer=OfficerSnapshot.of(state.signer) if state.signer else None,
        )

    @strawberry.field(description="True when signed after its due time, or still open past it.")
    def is_overdue(self) -> bool:
        return self.status != StepStatus.SKIPPED and past_due(self.due_at, self.signed_at)


@strawberry.type(description="A case as it stood when the event was delivered.")
class CaseSnapshot:
    id: relay.GlobalID = strawberry.field(description="The case's ID (query `node` for everything else).")
    receipt_no: str = strawberry.field(description="Public receipt number.")
    title: str = strawberry.field(description="What the case is about.")
    task_type_code: str = strawberry.field(description="Code of its task type.")
    department: str = strawberry.field(description="Name of the handling department.")
    status: CaseStatus = strawberry.field(description="Where the case stands.")
    received_at: datetime = strawberry.field(description="When it was received (Asia/Seoul).")
    due_at: datetime = strawberry.field(description="Statutory deadline (Asia/Seoul).")
    closed_at: datetime | None = strawberry.field(description="When it was closed (Asia/Seoul).")
    result: str | None = strawberry.field(description="The outcome, once decided.")
    steps: list[StepSnapshot] = strawberry.field(description="The approval line, in order.")

    @classmethod
    def of(cls, state: CaseState) -> CaseSnapshot:
        case = state.case
        return cls(
            id=_gid("Case", case.id),
            receipt_no=case.receipt_no,
            title=case.title,
            task_type_code=state.task_type_code,
            department=state.department_name,
            status=case.status,
            received_at=local(case.received_at),
            due_at=local(case.due_at),
            closed_at=local(case.closed_at),
            result=case.result,
            steps=[StepSnapshot.of(step) for step in state.steps],
        )

    @strawberry.field(description="The step whose turn it is; null when none is open.")
    def current_step(self) -> StepSnapshot | None:
        done = (StepStatus.SIGNED, StepStatus.SKIPPED)
        return next((step for step in self.steps if step.status not in done), None)

    @strawberry.field(description="True when closed after its deadline, or still open past it.")
    def is_overdue(self) -> bool:
        return past_due(self.due_at, self.closed_at)


@strawberry.type(
    description="One change, pushed live: its sequence number (gapless, to resume with `after`), what happened, "
    "and the case and step as they stood when it was delivered."
)
class CaseProgress:
    sequence: int = strawberry.field(description="Position in the event log; resume with `after:` this number.")
    leaf_index: int = strawberry.field(description="Its leaf in the ledger's Merkle tree (sequence − 1).")
    previous_case_sequence: int | None = strawberry.field(
        description="The sequence of the same case's previous event (null for its first). Watching one case, a "
        "value other than the last sequence you received means you missed something: resume with `after`."
    )
    type: EventType = strawberry.field(description="What kind of change it was.")
    occurred_at: datetime = strawberry.field(description="When it legally happened (Asia/Seoul).")
    recorded_at: datetime = strawberry.field(description="When it was entered (Asia/Seoul).")
    payload: JSON = strawberry.field(description="The change's public details, as the log records them.")
    actor: OfficerSnapshot | None = strawberry.field(description="Who made the change; null for applicants.")
    case: CaseSnapshot | None = strawberry.field(description="The case it changed, if any.")
    step: StepSnapshot | None = strawberry.field(description="The step it changed, if any.")

    @classmethod
    def of(cls, snapshot: Snapshot) -> CaseProgress:
        event = snapshot.event
        step = snapshot.step
        return cls(
            sequence=event.seq,
            leaf_index=event.seq - 1,
            previous_case_sequence=snapshot.previous_in_case,
            type=event.type,
            occurred_at=local(event.occurred_at),
            recorded_at=local(event.recorded_at),
            payload=cast(JSON, event.payload),
            actor=OfficerSnapshot.of(snapshot.actor) if snapshot.actor else None,
            case=CaseSnapshot.of(snapshot.case) if snapshot.case else None,
            step=StepSnapshot.of(step) if step else None,
        )


@strawberry.input(description="Narrows the public feed; every criterion given must hold.")
class EventFeedFilter:
    task_type_code: str | None = strawberry.field(default=None, description="Only events of this task type's cases.")
    department_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only events of cases handled by this department or a unit below it."
    )
    types: list[EventType] | None = strawberry.field(default=None, description="Only these kinds of event.")

    @classmethod
    def from_arguments(cls, raw: dict[str, Any] | None) -> "EventFeedFilter":
        """From the argument as graphql-core coerces it (GraphQL field names, the ID still a string)."""
        raw = raw or {}
        department = raw.get("departmentId")
        return cls(
            task_type_code=raw.get("taskTypeCode"),
            department_id=relay.GlobalID.from_id(department) if department else None,
            types=raw.get("types"),
        )

    def watch(self) -> Watch:
        return Watch(
            task_type_code=self.task_type_code,
            department_id=optional_db_id_for(self.department_id, "Department", "filter.departmentId"),
            event_types=frozenset(self.types or ()),
        )


AfterArgument = Annotated[
    int | None,
    strawberry.argument(
        description="The last sequence number you received: missed events come first, from the "
        "log. Omit to start with the next change."
    ),
]


def case_watch(receipt_no: str) -> Watch:
    if not 1 <= len(receipt_no) <= 32:
        raise InvalidInput("receiptNo", "is not a receipt number")
    return Watch(receipt_no=receipt_no)


# What each subscription field follows, from its arguments as graphql-core coerces them (GraphQL names). The
# WebSocket server (subscriptions/: fanout.py) serves every field through this table: one watch per group of
# watchers, one rendering per event. A new subscription field adds its entry here, beside its declaration.
WATCHES: dict[str, Callable[[dict[str, Any]], Watch]] = {
    "caseProgress": lambda arguments: case_watch(arguments["receiptNo"]),
    "events": lambda arguments: EventFeedFilter.from_arguments(arguments.get("filter")).watch(),
}


async def _served_over_the_socket() -> AsyncGenerator[CaseProgress, None]:
    """The schema declares the fields; subscriptions/ serves them (shared rendering, resume, limits)."""
    raise RuntimeError("subscriptions are served by the graphql-transport-ws server on /graphql")
    yield  # an async generator, as Strawberry requires of a subscription resolver


@strawberry.type(description="Live updates over `graphql-transport-ws` on /graphql.")
class Subscription:
    @strawberry.subscription(description="Every change of one case, as it happens; pass `after` to resume.")
    def case_progress(
        self,
        receipt_no: Annotated[str, strawberry.argument(description="The case's receipt number.")],
        after: AfterArgument = None,
    ) -> AsyncGenerator[CaseProgress, None]:
        return _served_over_the_socket()

    @strawberry.subscription(
        description="The public feed of every change, optionally narrowed; pass `after` to resume."
    )
    def events(
        self,
        filter: Annotated[EventFeedFilter | None, strawberry.argument(description="What to follow.")] = None,
        after: AfterArgument = None,
    ) -> AsyncGenerator[CaseProgress, None]:
        return _served_over_the_socket()
