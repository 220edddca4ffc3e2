"""The typed refusal every mutation can return, mapped from the domain's WorkflowError in this one place."""

from __future__ import annotations

import strawberry

from resolvers import errors
from schema.described import described

described(
    errors.WorkflowCode,
    "Why a mutation changed nothing.",
    {
        errors.WorkflowCode.NOT_FOUND: "An ID or code names nothing.",
        errors.WorkflowCode.INVALID_STATE: "The object is not in a state that allows this (e.g. the case is closed).",
        errors.WorkflowCode.NOT_CURRENT_STEP: "It is another step's turn.",
        errors.WorkflowCode.CONFLICT: "Someone else already did it (e.g. signed the step).",
        errors.WorkflowCode.NOT_ASSIGNED: "The step is assigned to someone else.",
        errors.WorkflowCode.IN_FUTURE: "A time that has not come yet.",
        errors.WorkflowCode.BACKDATED_TOO_FAR: "A time further in the past than officers may back-date.",
        errors.WorkflowCode.OUT_OF_ORDER: "A time before the change it must follow.",
        errors.WorkflowCode.TOO_LONG: "A text over its length limit.",
        errors.WorkflowCode.REQUIRED: "A value that must be given is missing or blank.",
        errors.WorkflowCode.INVALID_VALUE: "A value that is not acceptable here.",
        errors.WorkflowCode.NO_ASSIGNEE: "No officer holds a role the line needs.",
        errors.WorkflowCode.IDEMPOTENCY_KEY_REUSED: "The idempotency key was already used for a different request.",
        errors.WorkflowCode.PERSONAL_DATA: "Public text that seems to hold personal data (a phone number, an e-mail "
        "address, a resident registration number, however written): public text and the ledger keep none.",
    },
    name="WorkflowErrorCode",
)


@strawberry.type(description="A refusal: nothing was changed. `field` names the input to correct, if one is at fault.")
class WorkflowError:
    code: errors.WorkflowCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Human-readable reason, in English.")
    field: str | None = strawberry.field(description="The input field at fault (e.g. `occurredAt`), if any.")

    @classmethod
    def from_domain(cls, error: errors.WorkflowError) -> WorkflowError:
        return cls(code=error.code, message=error.message, field=error.field)

    @classmethod
    def from_input(cls, error: errors.InvalidInput) -> WorkflowError:
        return cls(code=errors.WorkflowCode.INVALID_VALUE, message=error.reason, field=error.argument)
