"""The public content of every kind of event, declared once: what the history, the live feed and the leaves carry.

An event's payload is the acting officer, the case and step as they stand after it, and the members its kind adds,
declared here as one class per kind. `resolvers.events.append` takes an instance and derives the stored type from
it, the seed builds its history from the same classes, and GraphQL describes each `EventType` value by its class's
docstring. docs/ledger.md and docs/ledger/leaf-v2.schema.json publish the shapes for those who rebuild leaves;
tests/ledger/test_payloads.py holds them to these classes.

Members are camelCase in JSON; instants are UTC in `leaf.instant`'s form. Members a kind marks optional are
left out, not written as null, when they have no value: their absence is part of the published format.
"""

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from ledger.leaf import instant
from models.enums import (
    CaseStatus,
    Disposition,
    DocumentKind,
    EventType,
    RescheduleReason,
    StepRole,
    StepStatus,
)

Instant = Annotated[datetime, PlainSerializer(instant, return_type=str)]


def _absent(value: object) -> bool:
    return value is None


class Shape(BaseModel):
    """A JSON object of the ledger: camelCase members, nothing beyond those declared, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="forbid", frozen=True)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class OfficerShown(Shape):
    """An officer's public identity."""

    id: int
    name: str
    title: str


class CaseShown(Shape):
    """The case as it stands after the event."""

    receipt_no: str
    status: CaseStatus
    due_at: Instant


class StepShown(Shape):
    """The step as it stands after the event."""

    sequence: int
    name: str
    status: StepStatus
    officer_id: int
    due_at: Instant | None


class PlannedStep(Shape):
    """A step of the approval line as registered, before any work on it."""

    sequence: int
    name: str
    role: StepRole
    officer_id: int
    due_at: Instant | None


class StepDue(Shape):
    """A step's due time after it moved."""

    sequence: int
    due_at: Instant


class ActionShown(Shape):
    """A scheduled next action (향후 처리계획)."""

    id: int
    description: str
    scheduled_for: Instant


class DocumentShown(Shape):
    """A registered document; a private one's title may name the applicant, so only a public one's is shown."""

    id: int
    kind: DocumentKind
    public: bool
    title: str | None = Field(default=None, exclude_if=_absent)


class ProcessingDelay(Shape):
    """A step or case open past its due time."""

    kind: Literal["processing"]
    due_at: Instant


class LateEntry(Shape):
    """One entry of a late sitting: when it happened, when it was entered, the working hours between."""

    event_sequence: int
    occurred_at: Instant
    recorded_at: Instant
    lag_hours: float


class InputDelay(Shape):
    """One officer's sitting of entries, on one case, recorded longer after the fact than the input-delay
    threshold (working hours)."""

    kind: Literal["input"]
    officer: OfficerShown
    lag_hours: float = Field(description="The longest lag of the entries, in working hours.")
    entries: list[LateEntry]


class SummarizedDelay(Shape):
    """One delay of a day's summary: the case (and step) it is about and what was late."""

    receipt_no: str
    step_sequence: int | None = Field(default=None, exclude_if=_absent)
    delay: ProcessingDelay | InputDelay = Field(discriminator="kind")


class DelayShown(Shape):
    """A reported delay, as its explanation names it."""

    id: int
    kind: Literal["processing", "input"]


class MilestoneShown(Shape):
    """A published figure that passed a round number."""

    metric: str
    threshold: int
    value: int


class Details(Shape):
    """The members one kind of event adds to the actor, case and step; each subclass is one `EventType`.

    `changes_case_status`: whether the kind sets the case's status (the others record the status it has).
    """

    type: ClassVar[EventType]
    changes_case_status: ClassVar[bool] = False


class CaseRegistered(Details):
    """An officer registered the case at intake."""

    type = EventType.CASE_REGISTERED
    changes_case_status = True
    task_type: str = Field(description="The task type's code.")
    department_id: int
    title: str
    location: str
    line: list[PlannedStep] = Field(description="The approval line, every step in order.")


class ApplicationSubmitted(CaseRegistered):
    """The applicant submitted the case online."""

    type = EventType.APPLICATION_SUBMITTED


class StepStarted(Details):
    """A step's officer began work on it."""

    type = EventType.STEP_STARTED
    changes_case_status = True
    acting_for: int | None = Field(
        default=None,
        exclude_if=_absent,
        description="Present when a supervisor acted for the step's officer: that officer's id.",
    )


class StepSigned(StepStarted):
    """A step was signed (approved)."""

    type = EventType.STEP_SIGNED
    changes_case_status = False
    comment: str | None


class StepReturned(StepStarted):
    """The case was returned to the applicant for supplements; the clock stops."""

    type = EventType.STEP_RETURNED
    reason: str


class StepReassigned(Details):
    """A supervisor gave a step to another officer."""

    type = EventType.STEP_REASSIGNED
    from_: OfficerShown | None = Field(alias="from")
    to: OfficerShown | None
    reason: str | None


class CaseResumed(Details):
    """The supplements arrived; the clock runs again with the pause given back."""

    type = EventType.CASE_RESUMED
    changes_case_status = True
    paused_working_hours: float
    later_steps: list[StepDue] = Field(description="The steps after the returned one, their due times moved too.")


class CaseClosed(Details):
    """The result was recorded and the case closed."""

    type = EventType.CASE_CLOSED
    changes_case_status = True
    result: str


class CaseRejected(CaseClosed):
    """The case was refused and closed."""

    type = EventType.CASE_REJECTED


class CaseWithdrawn(CaseClosed):
    """The applicant withdrew the case."""

    type = EventType.CASE_WITHDRAWN


class DocumentRegistered(Details):
    """A document was registered."""

    type = EventType.DOCUMENT_REGISTERED
    document: DocumentShown


class ActionScheduled(Details):
    """A next action was scheduled."""

    type = EventType.ACTION_SCHEDULED
    action: ActionShown


class ActionRescheduled(ActionScheduled):
    """A next action moved to another date, with a coded reason."""

    type = EventType.ACTION_RESCHEDULED
    previous_for: Instant
    reason: RescheduleReason
    note: str | None


class ActionCompleted(ActionScheduled):
    """A next action was carried out."""

    type = EventType.ACTION_COMPLETED


class ActionCancelled(ActionScheduled):
    """A next action was called off, with the reason."""

    type = EventType.ACTION_CANCELLED
    reason: str


class ReferenceUpdated(Details):
    """An administrator changed task types, laws, departments or officers."""

    type = EventType.REFERENCE_UPDATED
    changed: dict[str, list[str]]


class DelayDetected(Details):
    """The daily check found a step or case past its due time, or an entry made long after the fact."""

    type = EventType.DELAY_DETECTED
    delay: ProcessingDelay | InputDelay = Field(discriminator="kind")


class DelaysSummarized(Details):
    """The first check of history imported with the data found these delays, all of one rule and one day: one
    event per rule and day of history (split into numbered parts only when the list does not fit one leaf) instead
    of one per delay (README, "Historic delays")."""

    type = EventType.DELAYS_SUMMARIZED
    rule: Literal["processing_step", "processing_case", "input"] = Field(
        description="Steps past their due time, cases past theirs, or late entries."
    )
    day: date = Field(description="The day in Seoul the delays fell on: the missed due time, or the late sitting.")
    part: int = Field(description="Which part of that rule and day's list this is, from 1.")
    parts: int = Field(description="How many parts the list has: more than one only when it does not fit a leaf.")
    delays: list[SummarizedDelay]


class FindingDisposed(Details):
    """An auditor decided on a cyber-audit finding. Public: which rule and what was decided (a referral for
    discipline counts toward the published figures); which case and officer, and why, stay with auditors, since a
    disciplinary matter is personal information."""

    type = EventType.FINDING_DISPOSED
    rule: str = Field(description="The audit rule, lower snake case.")
    disposition: Disposition


class InspectionShown(Shape):
    """A standing inspection: which team inspected which department on which day (Asia/Seoul)."""

    id: int
    team: str
    department_id: int
    scheduled_on: date


class OutcomeCounts(Shape):
    """How many sampled cases had each outcome."""

    no_issue: int
    corrected: int
    warning: int
    referred_for_discipline: int


class InspectionCompleted(Details):
    """An inspection team recorded an inspection: the cases it sampled and, in aggregate, what it found; which
    case had which outcome, the officers concerned and the notes stay with auditors."""

    type = EventType.INSPECTION_COMPLETED
    inspection: InspectionShown
    sampled: list[str] = Field(description="The sampled cases' receipt numbers, in order.")
    outcomes: OutcomeCounts
    summary: str


class InputterAwarded(Details):
    """The audit office gave the month's award for timely input to an officer of its ranking."""

    type = EventType.INPUTTER_AWARDED
    month: str = Field(description="The month, YYYY-MM (Asia/Seoul).")
    officer: OfficerShown
    rank: int = Field(description="The officer's place in that month's ranking.")
    entries: int
    timely_rate: float = Field(description="The share of the officer's entries made within the input-delay threshold.")


class DelayExplained(Details):
    """The department published its explanation of a delay."""

    type = EventType.DELAY_EXPLAINED
    delay: DelayShown
    explanation: str


class MilestoneReached(Details):
    """A published figure (registered cases, page views…) passed a round number."""

    type = EventType.MILESTONE_REACHED
    milestone: MilestoneShown


def _kinds(base: type[Details]) -> list[type[Details]]:
    found: list[type[Details]] = []
    for kind in base.__subclasses__():
        found += [kind, *_kinds(kind)]
    return found


# Every kind by its type; importing this module fails when an `EventType` has no class or two.
KINDS: dict[EventType, type[Details]] = {kind.type: kind for kind in _kinds(Details)}
if len(KINDS) != len(_kinds(Details)) or set(KINDS) != set(EventType):
    raise TypeError(f"one Details class per EventType is needed: {sorted(set(EventType) - set(KINDS))} have none")


def payload(
    details: Details, *, actor: OfficerShown | None, case: CaseShown | None, step: StepShown | None
) -> dict[str, Any]:
    """The JSON payload of an event: who, which case and step as they stand after it, and its kind's members."""
    content: dict[str, Any] = {"actor": actor.as_json() if actor else None}
    if case is not None:
        content["case"] = case.as_json()
    if step is not None:
        content["step"] = step.as_json()
    return content | details.as_json()
