"""Start, sign, return and reassign the steps of an approval line."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import Case, CaseStatus, Officer, Step, StepStatus
from resolvers import durations, events
from resolvers.errors import Forbidden, WorkflowCode, WorkflowError
from resolvers.workflow.access import WORKERS, may_act_on_step, require_worker, supervises
from resolvers.workflow.checks import Policy, occurred_at, public_text, required_public_text
from resolvers.workflow.rows import DONE_STEP, current_step, holidays, lock_step, officer, require_open

COMMENT_LIMIT = 1000
REASON_LIMIT = 500


async def _turn(session: AsyncSession, actor: Officer, step_id: int) -> tuple[Case, Step, Sequence[Step]]:
    """Lock the step's case and line, and check that `actor` may act and that it is the step's turn."""
    require_worker(actor)
    case, step, line = await lock_step(session, step_id)
    if not await may_act_on_step(session, actor, step):
        raise Forbidden("only the assigned officer, or a supervisor acting for them, may act on this step")
    require_open(case)
    if step.status is StepStatus.SIGNED:
        raise WorkflowError(WorkflowCode.CONFLICT, "the step is already signed", "stepId")
    current = current_step(line)
    if current is None or current.id != step.id:
        raise WorkflowError(WorkflowCode.NOT_CURRENT_STEP, "it is not this step's turn", "stepId")
    return case, step, line


def _acting_for(actor: Officer, step: Step) -> int | None:
    """A supervisor signing for the assignee is recorded as such."""
    return None if actor.id == step.officer_id else step.officer_id


def _previous_signature(line: Sequence[Step], step: Step) -> datetime | None:
    signed = [row.signed_at for row in line if row.sequence < step.sequence and row.signed_at is not None]
    return max(signed, default=None)


async def start(session: AsyncSession, actor: Officer, policy: Policy, step_id: int, when: datetime | None) -> Step:
    case, step, line = await _turn(session, actor, step_id)
    if step.status is not StepStatus.PENDING:
        raise WorkflowError(WorkflowCode.INVALID_STATE, f"the step is {step.status.value}, not pending", "stepId")
    if case.status is CaseStatus.AWAITING_SUPPLEMENT:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "the case waits for the applicant's supplements", "stepId")
    moment = occurred_at(when, policy, not_before=_previous_signature(line, step) or case.received_at)
    step.status, step.started_at = StepStatus.IN_PROGRESS, moment
    case.status = CaseStatus.IN_PROGRESS
    await events.append(
        session,
        payloads.StepStarted(acting_for=_acting_for(actor, step)),
        case=case,
        step=step,
        actor=actor,
        occurred_at=moment,
    )
    return step


async def sign(
    session: AsyncSession, actor: Officer, policy: Policy, step_id: int, comment: str | None, when: datetime | None
) -> Step:
    case, step, _ = await _turn(session, actor, step_id)
    if step.status is StepStatus.PENDING:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "start the step before signing it", "stepId")
    if step.status is StepStatus.RETURNED:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "the step waits for the applicant's supplements", "stepId")
    note = public_text(comment, "comment", COMMENT_LIMIT, required=False)
    moment = occurred_at(when, policy, not_before=step.started_at)
    step.working_hours = await durations.step_hours(session, step, moment, await holidays(session))
    step.status, step.signed_at, step.signed_by_id, step.comment = StepStatus.SIGNED, moment, actor.id, note
    # What the round stored while the step was open is a lower bound; the next round counts the final figure.
    step.held_days = None
    await events.append(
        session,
        payloads.StepSigned(comment=note, acting_for=_acting_for(actor, step)),
        case=case,
        step=step,
        actor=actor,
        occurred_at=moment,
    )
    return step


async def return_for_supplement(
    session: AsyncSession, actor: Officer, policy: Policy, step_id: int, reason: str, when: datetime | None
) -> Step:
    """보완 요구: the case goes back to the applicant and the statutory clock stops until they resubmit."""
    case, step, _ = await _turn(session, actor, step_id)
    if step.status is not StepStatus.IN_PROGRESS:
        raise WorkflowError(WorkflowCode.INVALID_STATE, f"the step is {step.status.value}, not in progress", "stepId")
    why = required_public_text(reason, "reason", REASON_LIMIT)
    moment = occurred_at(when, policy, not_before=step.started_at)
    step.status, step.comment = StepStatus.RETURNED, why
    # A return dated before the round's count leaves out days it counted: its lower bound no longer holds.
    step.held_days = None
    case.status, case.clock_paused_at = CaseStatus.AWAITING_SUPPLEMENT, moment
    await events.append(
        session,
        payloads.StepReturned(reason=why, acting_for=_acting_for(actor, step)),
        case=case,
        step=step,
        actor=actor,
        occurred_at=moment,
    )
    return step


async def reassign(
    session: AsyncSession, actor: Officer, policy: Policy, step_id: int, officer_id: int, reason: str | None
) -> Step:
    """A supervisor hands an unfinished step to another officer of a department they head."""
    require_worker(actor)
    case, step, _ = await lock_step(session, step_id)
    current_holder = await officer(session, step.officer_id, "stepId")
    if not await supervises(session, actor, current_holder.department_id):
        raise Forbidden("only a supervisor over the step's department may reassign it")
    require_open(case)
    if step.status in DONE_STEP:
        raise WorkflowError(WorkflowCode.INVALID_STATE, f"the step is already {step.status.value}", "stepId")
    new_holder = await officer(session, officer_id, "officerId")
    if new_holder.role not in WORKERS:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "that officer does not work cases", "officerId")
    if new_holder.id == step.officer_id:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "the step is already assigned to that officer", "officerId")
    if not await supervises(session, actor, new_holder.department_id):
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "that officer works outside your departments", "officerId")
    why = public_text(reason, "reason", REASON_LIMIT, required=False)
    moment = occurred_at(None, policy)
    step.officer_id = new_holder.id
    await events.append(
        session,
        payloads.StepReassigned(from_=events.shown(current_holder), to=events.shown(new_holder), reason=why),
        case=case,
        step=step,
        actor=actor,
        occurred_at=moment,
    )
    return step
