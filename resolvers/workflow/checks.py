"""Checks shared by the workflow writes: when things happened, how long texts are."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from resolvers.errors import WorkflowCode, WorkflowError
from resolvers.personal_data import found_in
from resolvers.webhook_targets import Targets


@dataclass(frozen=True)
class Policy:
    """Limits an officer's entries must respect."""

    # How far back an officer may date what they enter (the gap is reported as input delay): BACKDATE_LIMIT_DAYS.
    backdate_limit: timedelta
    # An entry recorded more than this many working hours (the statutory clock's calendar) after the fact is an
    # input delay (입력지연): INPUT_DELAY_WORKING_HOURS.
    input_delay_hours: float
    # Late entries of one officer recorded less than this apart are one sitting: INPUT_SITTING_GAP_MINUTES.
    sitting_gap: timedelta
    # How many officers may be awarded for timely input a month, from the top of its ranking:
    # INPUTTER_AWARDS_PER_MONTH.
    awards_per_month: int
    # Standing inspections a team makes a month, and the cases each samples: INSPECTIONS_PER_MONTH,
    # INSPECTION_SAMPLE_SIZE.
    inspections_per_month: int
    inspection_sample_size: int
    # Clocks differ a little between an officer's machine and the server.
    clock_tolerance: timedelta = timedelta(minutes=2)
    # Where webhooks may point: public addresses, and the internal receivers the operator allows.
    webhook_targets: Targets = field(default_factory=Targets)


def occurred_at(
    value: datetime | None, policy: Policy, *, not_before: datetime | None = None, field: str = "occurredAt"
) -> datetime:
    """When something legally happened: now by default, never in the future, back-dated only within limits."""
    now = datetime.now(UTC)
    if value is None:
        moment = now
    elif value.tzinfo is None:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "give the time with its offset, e.g. +09:00", field)
    else:
        moment = value.astimezone(UTC)
    if moment > now + policy.clock_tolerance:
        raise WorkflowError(WorkflowCode.IN_FUTURE, "cannot be in the future", field)
    if moment < now - policy.backdate_limit:
        days = policy.backdate_limit.days
        raise WorkflowError(WorkflowCode.BACKDATED_TOO_FAR, f"cannot be more than {days} days in the past", field)
    if not_before is not None and moment < not_before:
        raise WorkflowError(
            WorkflowCode.OUT_OF_ORDER, f"cannot be before the previous change ({not_before.isoformat()})", field
        )
    return moment


def text(value: str | None, field: str, limit: int, *, required: bool = True) -> str | None:
    """Trimmed text within `limit` characters; empty counts as missing."""
    trimmed = (value or "").strip()
    if not trimmed:
        if required:
            raise WorkflowError(WorkflowCode.REQUIRED, "is required", field)
        return None
    if len(trimmed) > limit:
        raise WorkflowError(WorkflowCode.TOO_LONG, f"must be at most {limit} characters", field)
    return trimmed


def required_text(value: str | None, field: str, limit: int) -> str:
    checked = text(value, field, limit)
    assert checked is not None
    return checked


def public_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str | None:
    """Text an officer writes for the public, which the ledger keeps for ever: refused if it seems to hold personal
    data (the screen opinions pass too), naming the kind, never quoting it."""
    checked = text(value, field, limit, required=required)
    kinds = found_in(checked) if checked else []
    if kinds:
        raise WorkflowError(
            WorkflowCode.PERSONAL_DATA,
            f"seems to hold personal data ({', '.join(kinds)}); public text keeps none (write without it)",
            field,
        )
    return checked


def required_public_text(value: str | None, field: str, limit: int) -> str:
    checked = public_text(value, field, limit)
    assert checked is not None
    return checked
