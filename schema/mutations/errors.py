"""The typed refusal every mutation can return, mapped from the domain's WorkflowError in this one place."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers import errors


@strawberry.enum(description="Why a mutation changed nothing.")
class WorkflowErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value("not_found", description="An ID or code names nothing.")
    INVALID_STATE = strawberry.enum_value(
        "invalid_state", description="The object is not in a state that allows this (e.g. the case is closed)."
    )
    NOT_CURRENT_STEP = strawberry.enum_value("not_current_step", description="It is another step's turn.")
    CONFLICT = strawberry.enum_value("conflict", description="Someone else already did it (e.g. signed the step).")
    NOT_ASSIGNED = strawberry.enum_value("not_assigned", description="The step is assigned to someone else.")
    IN_FUTURE = strawberry.enum_value("in_future", description="A time that has not come yet.")
    BACKDATED_TOO_FAR = strawberry.enum_value(
        "backdated_too_far", description="A time further in the past than officers may back-date."
    )
    OUT_OF_ORDER = strawberry.enum_value("out_of_order", description="A time before the change it must follow.")
    TOO_LONG = strawberry.enum_value("too_long", description="A text over its length limit.")
    REQUIRED = strawberry.enum_value("required", description="A value that must be given is missing or blank.")
    INVALID_VALUE = strawberry.enum_value("invalid_value", description="A value that is not acceptable here.")
    NO_ASSIGNEE = strawberry.enum_value("no_assignee", description="No officer holds a role the line needs.")
    IDEMPOTENCY_KEY_REUSED = strawberry.enum_value(
        "idempotency_key_reused", description="The idempotency key was already used for a different request."
    )
    PERSONAL_DATA = strawberry.enum_value(
        "personal_data",
        description="Public text that seems to hold personal data (a phone number, an e-mail address, a resident "
        "registration number, however written): public text and the ledger keep none.",
    )


@strawberry.type(description="A refusal: nothing was changed. `field` names the input to correct, if one is at fault.")
class WorkflowError:
    code: WorkflowErrorCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Human-readable reason, in English.")
    field: str | None = strawberry.field(description="The input field at fault (e.g. `occurredAt`), if any.")

    @classmethod
    def from_domain(cls, error: errors.WorkflowError) -> WorkflowError:
        return cls(code=WorkflowErrorCode[error.code.name], message=error.message, field=error.field)

    @classmethod
    def from_input(cls, error: errors.InvalidInput) -> WorkflowError:
        return cls(code=WorkflowErrorCode.INVALID_VALUE, message=error.reason, field=error.argument)
