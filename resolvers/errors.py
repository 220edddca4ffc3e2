"""Domain exceptions. The schema maps each to its GraphQL form in one place (`schema/errors.py`)."""

from enum import StrEnum


class InvalidInput(Exception):
    """Input the client can fix: a bad cursor, page size, ID or filter. Reported to the client as is."""

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}")
        self.argument = argument
        self.reason = reason


class Unauthenticated(Exception):
    """No valid credentials where they are required: missing, unknown, expired or revoked token."""


class Forbidden(Exception):
    """Valid credentials, but this caller may not do this."""


class RateLimited(Exception):
    """Too many requests of one kind from one caller; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests; retry in {retry_after} s")
        self.retry_after = retry_after


class WorkflowCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    NOT_CURRENT_STEP = "not_current_step"
    CONFLICT = "conflict"
    NOT_ASSIGNED = "not_assigned"
    IN_FUTURE = "in_future"
    BACKDATED_TOO_FAR = "backdated_too_far"
    OUT_OF_ORDER = "out_of_order"
    TOO_LONG = "too_long"
    REQUIRED = "required"
    INVALID_VALUE = "invalid_value"
    NO_ASSIGNEE = "no_assignee"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    PERSONAL_DATA = "personal_data"


class WorkflowError(Exception):
    """An expected refusal of a workflow write: nothing was changed. `field` names the input at fault."""

    def __init__(self, code: WorkflowCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
