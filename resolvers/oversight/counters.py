"""The figures Seoul reported (registered cases and documents, page and document views) and their milestones.

Views are counted per request without keeping anything about the viewer: no address, no identifier.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import Case, Document, Milestone, ViewTally
from resolvers import events
from resolvers.context import Context
from resolvers.dataloaders import Sessions

# 1,000, 3,000, 5,000, 10,000 … 100,000, 300,000, 500,000 (the visitors the original awarded) … 50,000,000.
THRESHOLDS = tuple(base * 10**power for power in range(3, 8) for base in (1, 3, 5))
# Any constant unique to this job: replicas running the check at once take turns on it.
MILESTONE_LOCK = 0x6F70656E
# The rows each hour's views are spread over: views through one connection never wait for each other, and a pool
# of 16 connections shares 8 rows an hour.
TALLY_SHARDS = 8


class Metric(StrEnum):
    """A published figure, by the name its milestones are stored under."""

    REGISTERED_CASES = "registered_cases"
    REGISTERED_DOCUMENTS = "registered_documents"
    CASE_PAGE_VIEWS = "case_page_views"
    DOCUMENT_VIEWS = "document_views"


@dataclass(frozen=True)
class Counters:
    registered_cases: int
    registered_documents: int
    case_views: int
    document_views: int

    def by_metric(self) -> dict[Metric, int]:
        return {
            Metric.REGISTERED_CASES: self.registered_cases,
            Metric.REGISTERED_DOCUMENTS: self.registered_documents,
            Metric.CASE_PAGE_VIEWS: self.case_views,
            Metric.DOCUMENT_VIEWS: self.document_views,
        }


async def _tally(session: AsyncSession, metric: Metric) -> None:
    """One more view in this hour's tally."""
    view = insert(ViewTally).values(
        metric=metric.value,
        hour=func.date_trunc("hour", func.now(), "UTC"),
        shard=func.pg_backend_pid() % TALLY_SHARDS,
        views=1,
    )
    await session.execute(view.on_conflict_do_update(constraint="pk_view_tally", set_={"views": ViewTally.views + 1}))


async def record_case_view(session: AsyncSession, receipt_no: str) -> int | None:
    """The case's views after this one; None when there is no such case."""
    views = await session.scalar(
        update(Case)
        .where(Case.receipt_no == receipt_no)
        .values(view_count=Case.view_count + 1)
        .returning(Case.view_count)
    )
    if views is not None:
        await _tally(session, Metric.CASE_PAGE_VIEWS)
    return views


async def record_document_view(session: AsyncSession, document_id: int) -> int | None:
    """Counts public documents only: a private one is reported as missing, like everywhere else."""
    views = await session.scalar(
        update(Document)
        .where(Document.id == document_id, Document.is_public.is_(True))
        .values(view_count=Document.view_count + 1)
        .returning(Document.view_count)
    )
    if views is not None:
        await _tally(session, Metric.DOCUMENT_VIEWS)
    return views


async def _counted(session: AsyncSession) -> Counters:
    cases = (await session.execute(select(func.count(), func.coalesce(func.sum(Case.view_count), 0)))).one()
    documents = (await session.execute(select(func.count(), func.coalesce(func.sum(Document.view_count), 0)))).one()
    return Counters(cases[0], documents[0], int(cases[1]), int(documents[1]))


async def counters(context: Context) -> Counters:
    async with context.sessions() as session:
        return await _counted(session)


# When the n-th case or document was registered: those figures are dated when they were reached.
REGISTERED_AT = {
    Metric.REGISTERED_CASES: (Case.received_at, Case.id),
    Metric.REGISTERED_DOCUMENTS: (Document.registered_at, Document.id),
}


async def _registered_at(session: AsyncSession, metric: Metric, threshold: int) -> datetime | None:
    moment, tie = REGISTERED_AT[metric]
    return await session.scalar(select(moment).order_by(moment, tie).offset(threshold - 1).limit(1))


async def _viewed_by(session: AsyncSession, metric: Metric, threshold: int, value: int) -> datetime | None:
    """The end of the hour whose views took the figure to `threshold`. Views counted before the hourly tally
    existed (the figure less all the tallied views) come first: a threshold they reach alone is dated by the end
    of the tally's first hour, the earliest the tally can vouch for."""
    tallied = (
        select(ViewTally.hour, func.sum(ViewTally.views).label("views"))
        .where(ViewTally.metric == metric.value)
        .group_by(ViewTally.hour)
        .subquery()
    )
    hours = select(tallied.c.hour, func.sum(tallied.c.views).over(order_by=tallied.c.hour).label("upto")).subquery()
    untallied = value - (await session.scalar(select(func.coalesce(func.sum(tallied.c.views), 0))) or 0)
    hour = await session.scalar(
        select(hours.c.hour).where(hours.c.upto >= threshold - untallied).order_by(hours.c.hour).limit(1)
    )
    return None if hour is None else hour + timedelta(hours=1)


async def _reached_at(session: AsyncSession, metric: Metric, threshold: int, value: int, now: datetime) -> datetime:
    if metric in REGISTERED_AT:
        reached = await _registered_at(session, metric, threshold)
    else:
        reached = await _viewed_by(session, metric, threshold, value)
    return now if reached is None else min(reached, now)


async def check_milestones(sessions: Sessions) -> int:
    """Announce every threshold a figure has passed and that was not announced yet, dated when it was reached:
    registrations by the n-th one, views by the hour of the tally that reached it; returns how many."""
    async with sessions() as session, session.begin():
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MILESTONE_LOCK})
        figures = (await _counted(session)).by_metric()
        reached = {
            (metric, threshold)
            for metric, threshold in await session.execute(select(Milestone.metric, Milestone.threshold))
        }
        now = datetime.now(UTC)
        announced = 0
        for metric, value in figures.items():
            for threshold in THRESHOLDS:
                if threshold > value or (metric, threshold) in reached:
                    continue
                reached_at = await _reached_at(session, metric, threshold, value, now)
                event = await events.append(
                    session,
                    payloads.MilestoneReached(
                        milestone=payloads.MilestoneShown(metric=metric.value, threshold=threshold, value=value)
                    ),
                    case=None,
                    actor=None,
                    occurred_at=reached_at,
                )
                session.add(
                    Milestone(
                        metric=metric.value,
                        threshold=threshold,
                        value=value,
                        reached_at=reached_at,
                        event_seq=event.seq,
                    )
                )
                announced += 1
    return announced


async def milestones(context: Context) -> list[Milestone]:
    async with context.sessions() as session:
        ordered = select(Milestone).order_by(Milestone.reached_at, Milestone.metric, Milestone.threshold)
        return list((await session.scalars(ordered)).all())
