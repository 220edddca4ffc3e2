"""The oversight queries of the root type: late steps, delay history, statistics, the ranking, counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from resolvers.errors import InvalidInput
from resolvers.oversight import counters as counting
from resolvers.oversight import delays as delay_queries
from resolvers.oversight import ranking
from resolvers.oversight import statistics as figures
from resolvers.pagination import Slice
from schema.counters import Milestone, PublicCounters
from schema.info import Info
from schema.nodes.delay import DelayConnection, DelayFilter
from schema.nodes.step import StepConnection
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument
from schema.scope import OversightScope, scope_of
from schema.statistics import GroupStatistics, OfficerRanking
from schema.time import aware

ScopeArgument = Annotated[
    OversightScope | None, strawberry.argument(description="Department, officer, task type; none: the whole city.")
]


async def late_steps(
    info: Info,
    filter: ScopeArgument = None,
    first: FirstArgument = None,
    after: AfterArgument = None,
    last: LastArgument = None,
    before: BeforeArgument = None,
) -> StepConnection:
    page = await delay_queries.late_steps(info.context, scope_of(filter), Slice(first, after, last, before))
    return StepConnection.from_page(page)


async def delays(
    info: Info,
    filter: Annotated[DelayFilter | None, strawberry.argument(description="Which delays; none: all.")] = None,
    first: FirstArgument = None,
    after: AfterArgument = None,
    last: LastArgument = None,
    before: BeforeArgument = None,
) -> DelayConnection:
    criteria = delay_queries.DelayFilter() if filter is None else filter.to_filter()
    return DelayConnection.from_page(
        await delay_queries.list_delays(info.context, criteria, Slice(first, after, last, before))
    )


async def statistics(
    info: Info,
    from_: Annotated[
        datetime,
        strawberry.argument(name="from", description="Start of the window (inclusive; Seoul time if no offset)."),
    ],
    to: Annotated[datetime, strawberry.argument(description="End of the window (exclusive).")],
    group_by: Annotated[
        figures.Grouping, strawberry.argument(description="What to group the figures by.")
    ] = figures.Grouping.CITY,
    period: Annotated[
        figures.Period | None,
        strawberry.argument(description="Also give a time series with periods of this length."),
    ] = None,
    filter: ScopeArgument = None,
    first: Annotated[
        int, strawberry.argument(description=f"At most this many groups (1–{figures.MAX_GROUPS}), busiest first.")
    ] = 50,
) -> list[GroupStatistics]:
    window = figures.Window(aware(from_), aware(to), period)
    groups = await figures.statistics(info.context, group_by, scope_of(filter), window, first)
    return [GroupStatistics.of(group_by, group) for group in groups]


def parse_month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise InvalidInput("month", "must be a month as YYYY-MM, e.g. 2026-10") from error


async def officer_ranking(
    info: Info,
    month: Annotated[str, strawberry.argument(description="The month, as YYYY-MM (Asia/Seoul calendar).")],
    first: Annotated[int, strawberry.argument(description=f"How many officers (1–{ranking.MAX_RANKED}).")] = 7,
    minimum_entries: Annotated[
        int, strawberry.argument(description="Only officers who entered at least this many changes that month.")
    ] = ranking.MINIMUM_ENTRIES,
) -> list[OfficerRanking]:
    ranks = await ranking.timely_input_ranking(
        info.context, parse_month(month), info.context.policy.input_delay_hours, first, minimum_entries
    )
    return [OfficerRanking.of(rank) for rank in ranks]


async def counters(info: Info) -> PublicCounters:
    counted = await counting.counters(info.context)
    reached = await counting.milestones(info.context)
    return PublicCounters(
        registered_cases=counted.registered_cases,
        registered_documents=counted.registered_documents,
        case_page_views=counted.case_views,
        document_views=counted.document_views,
        milestones=[Milestone.from_model(row) for row in reached],
    )
