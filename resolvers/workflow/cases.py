"""Case-level writes: resume after supplements, reject, withdraw, record the result and close."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import Case, CaseStatus, Officer, Step, StepStatus
from resolvers import durations, events
from resolvers.errors import Forbidden, WorkflowCode, WorkflowError
from resolvers.statutory_clock import add_working_hours, working_hours_between
from resolvers.workflow.access import may_act_on_step, require_case_handler, require_worker, supervises
from resolvers.workflow.checks import Policy, occurred_at, public_text, required_public_text
from resolvers.workflow.rows import DONE_STEP, current_step, holidays, lock_case, lock_steps, require_open

RESULT_LIMIT = 500


async def resume(session: AsyncSession, actor: Officer, policy: Policy, case_id: int, when: datetime | None) -> Case:
    """The applicant's supplements arrived: the returned step runs again and the clock gives back the pause."""
    require_worker(actor)
    case = await lock_case(session, case_id)
    await require_case_handler(session, actor, case)
    line = await lock_steps(session, case_id)
    step = current_step(line)
    if case.status is not CaseStatus.AWAITING_SUPPLEMENT or step is None or case.clock_paused_at is None:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "the case is not waiting for supplements", "caseId")
    if not await may_act_on_step(session, actor, step):
        raise Forbidden("only the officer of the returned step, or their supervisor, may resume the case")
    moment = occurred_at(when, policy, not_before=case.clock_paused_at)
    calendar = await holidays(session)
    paused = working_hours_between(case.clock_paused_at, moment, calendar)
    case.due_at = add_working_hours(case.due_at, paused, calendar)
    # The pause moves every due time still ahead: the returned step's and those of the steps after it, which
    # registration planned from the receipt.
    later = [row for row in line if row.sequence > step.sequence]
    for row in [step, *later]:
        if row.due_at is not None:
            row.due_at = add_working_hours(row.due_at, paused, calendar)
    step.status = StepStatus.IN_PROGRESS
    case.status, case.clock_paused_at = CaseStatus.IN_PROGRESS, None
    await events.append(
        session,
        payloads.CaseResumed(
            paused_working_hours=round(paused, 2),
            later_steps=[
                payloads.StepDue(sequence=row.sequence, due_at=row.due_at) for row in later if row.due_at is not None
            ],
        ),
        case=case,
        step=step,
        actor=actor,
        occurred_at=moment,
    )
    return case


async def _require_turn(session: AsyncSession, actor: Officer, case: Case, line: Sequence[Step]) -> None:
    """Ending a case is for whoever's turn it is: the officer holding its current step (its last step once every
    step is signed) or a supervisor acting for them, or a supervisor of the case's department. Having held an
    earlier step is not enough (the audit rule FINISHED_OUT_OF_TURN looks for such endings in the history)."""
    turn = current_step(line) or line[-1]
    if await may_act_on_step(session, actor, turn) or await supervises(session, actor, case.department_id):
        return
    raise Forbidden(
        f"only the officer holding step {turn.sequence} (whose turn it is), or a supervisor of the case's "
        "department, may end the case"
    )


async def _finish(
    session: AsyncSession,
    actor: Officer,
    policy: Policy,
    case_id: int,
    status: CaseStatus,
    result: str,
    when: datetime | None,
    kind: type[payloads.CaseClosed],
) -> Case:
    require_worker(actor)
    case = await lock_case(session, case_id)
    require_open(case)
    line = await lock_steps(session, case_id)
    await _require_turn(session, actor, case, line)
    last_change = max((step.signed_at for step in line if step.signed_at), default=case.received_at)
    moment = occurred_at(when, policy, not_before=last_change)
    if status is CaseStatus.COMPLETED and current_step(line) is not None:
        raise WorkflowError(WorkflowCode.INVALID_STATE, "every step must be signed before the case is closed", "caseId")
    for step in line:
        if step.status not in DONE_STEP:
            step.status = StepStatus.SKIPPED
    case.working_hours = await durations.case_hours(session, case, moment, await holidays(session))
    case.status, case.result, case.closed_at, case.clock_paused_at = status, result, moment, None
    await events.append(session, kind(result=result), case=case, actor=actor, occurred_at=moment)
    return case


async def reject(
    session: AsyncSession, actor: Officer, policy: Policy, case_id: int, reason: str, when: datetime | None
) -> Case:
    why = required_public_text(reason, "reason", RESULT_LIMIT)
    return await _finish(session, actor, policy, case_id, CaseStatus.REJECTED, why, when, payloads.CaseRejected)


async def withdraw(
    session: AsyncSession, actor: Officer, policy: Policy, case_id: int, note: str | None, when: datetime | None
) -> Case:
    """The applicant withdrew (취하): recorded by an officer handling the case."""
    extra = public_text(note, "note", RESULT_LIMIT, required=False)
    result = "민원인 취하" + (f" ({extra})" if extra else "")
    return await _finish(session, actor, policy, case_id, CaseStatus.WITHDRAWN, result, when, payloads.CaseWithdrawn)


async def close(
    session: AsyncSession, actor: Officer, policy: Policy, case_id: int, result: str, when: datetime | None
) -> Case:
    outcome = required_public_text(result, "result", RESULT_LIMIT)
    return await _finish(session, actor, policy, case_id, CaseStatus.COMPLETED, outcome, when, payloads.CaseClosed)
