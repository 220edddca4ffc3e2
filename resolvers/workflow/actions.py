"""Scheduled next actions (향후 처리계획): planned, moved with a coded reason that is kept, carried out or called
off."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import ActionStatus, Officer, RescheduleReason, ScheduledAction, ScheduledActionChange
from resolvers import events
from resolvers.errors import WorkflowCode, WorkflowError
from resolvers.workflow.access import require_case_handler, require_worker
from resolvers.workflow.checks import Policy, occurred_at, public_text, required_public_text
from resolvers.workflow.rows import lock_case, require_open

DESCRIPTION_LIMIT = 200
NOTE_LIMIT = 500
REASON_LIMIT = 500


def _planned(value: datetime, policy: Policy, field: str) -> datetime:
    if value.tzinfo is None:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "give the time with its offset, e.g. +09:00", field)
    if value < datetime.now(UTC) - policy.clock_tolerance:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "a plan must lie in the future", field)
    return value.astimezone(UTC)


def _shown(action: ScheduledAction) -> payloads.ActionShown:
    return payloads.ActionShown(id=action.id, description=action.description, scheduled_for=action.scheduled_for)


async def _locked_action(session: AsyncSession, actor: Officer, action_id: int) -> ScheduledAction:
    require_worker(actor)
    case_id = await session.scalar(select(ScheduledAction.case_id).where(ScheduledAction.id == action_id))
    if case_id is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such scheduled action", "actionId")
    case = await lock_case(session, case_id)
    await require_case_handler(session, actor, case)
    action = await session.get(ScheduledAction, action_id, with_for_update=True)
    assert action is not None
    if action.status is not ActionStatus.SCHEDULED:
        raise WorkflowError(WorkflowCode.INVALID_STATE, f"the action is already {action.status.value}", "actionId")
    return action


async def schedule(
    session: AsyncSession, actor: Officer, policy: Policy, case_id: int, description: str, scheduled_for: datetime
) -> ScheduledAction:
    require_worker(actor)
    case = await lock_case(session, case_id)
    await require_case_handler(session, actor, case)
    require_open(case)
    action = ScheduledAction(
        case_id=case.id,
        description=required_public_text(description, "description", DESCRIPTION_LIMIT),
        scheduled_for=_planned(scheduled_for, policy, "scheduledFor"),
        status=ActionStatus.SCHEDULED,
    )
    session.add(action)
    await session.flush()
    await events.append(
        session,
        payloads.ActionScheduled(action=_shown(action)),
        case=case,
        actor=actor,
        occurred_at=occurred_at(None, policy),
    )
    return action


async def reschedule(
    session: AsyncSession,
    actor: Officer,
    policy: Policy,
    action_id: int,
    scheduled_for: datetime,
    reason: RescheduleReason,
    note: str | None,
) -> ScheduledAction:
    action = await _locked_action(session, actor, action_id)
    new_for = _planned(scheduled_for, policy, "scheduledFor")
    if new_for == action.scheduled_for:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "that is already the planned time", "scheduledFor")
    explanation = public_text(note, "note", NOTE_LIMIT, required=False)
    moment = occurred_at(None, policy)
    session.add(
        ScheduledActionChange(
            action_id=action.id,
            previous_for=action.scheduled_for,
            new_for=new_for,
            reason_code=reason,
            changed_at=moment,
            changed_by_id=actor.id,
        )
    )
    previous = action.scheduled_for
    action.scheduled_for = new_for
    case = await lock_case(session, action.case_id)
    await events.append(
        session,
        payloads.ActionRescheduled(action=_shown(action), previous_for=previous, reason=reason, note=explanation),
        case=case,
        actor=actor,
        occurred_at=moment,
    )
    return action


async def complete(
    session: AsyncSession, actor: Officer, policy: Policy, action_id: int, when: datetime | None
) -> ScheduledAction:
    action = await _locked_action(session, actor, action_id)
    moment = occurred_at(when, policy)
    action.status, action.completed_at = ActionStatus.DONE, moment
    case = await lock_case(session, action.case_id)
    await events.append(
        session,
        payloads.ActionCompleted(action=_shown(action)),
        case=case,
        actor=actor,
        occurred_at=moment,
    )
    return action


async def cancel(session: AsyncSession, actor: Officer, policy: Policy, action_id: int, reason: str) -> ScheduledAction:
    """Call off a planned action; the public reason says why, and the action stays listed as cancelled."""
    action = await _locked_action(session, actor, action_id)
    why = required_public_text(reason, "reason", REASON_LIMIT)
    action.status = ActionStatus.CANCELLED
    case = await lock_case(session, action.case_id)
    await events.append(
        session,
        payloads.ActionCancelled(action=_shown(action), reason=why),
        case=case,
        actor=actor,
        occurred_at=occurred_at(None, policy),
    )
    return action
