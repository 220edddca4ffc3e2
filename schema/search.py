"""The search (자료검색): hit, union of what can be found, and its connection. The SQL is in `resolvers/search.py`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

import models
from resolvers import search as search_resolvers
from resolvers.pagination import Page, Slice
from schema.case_filter import CaseFilter
from schema.described import described
from schema.info import Info
from schema.nodes.case import Case
from schema.nodes.department import Department
from schema.nodes.legal_reference import LegalReference
from schema.nodes.officer import Officer
from schema.nodes.task_type import TaskType
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument, page_info_of

described(
    search_resolvers.SearchKind,
    "What a search hit is. Equal scores list them in this order.",
    {
        search_resolvers.SearchKind.TASK_TYPE: "A task type, by code and name (업무).",
        search_resolvers.SearchKind.LEGAL_REFERENCE: "An article of law, by law, article and heading (관련법령).",
        search_resolvers.SearchKind.DEPARTMENT: "A department, by code and name (부서).",
        search_resolvers.SearchKind.OFFICER: "An officer, by name and position title (담당자).",
        search_resolvers.SearchKind.CASE: "A case, by receipt number, title and location (민원).",
    },
)


SearchResult = Annotated[
    Case | TaskType | Department | Officer | LegalReference,
    strawberry.union("SearchResult", description="Anything the search can find."),
]


@strawberry.type(description="One search hit: what was found and how well it matches.")
class SearchHit:
    score: float = strawberry.field(
        description="How well it matches, higher is better (0.5 to 2): the share of the query's two-character "
        "pieces found in it, plus 0.5 when its text contains the query as typed (ignoring case), plus 0.5 more "
        "when one of its fields is exactly the query (a receipt number, a name, a code)."
    )
    kind: search_resolvers.SearchKind = strawberry.field(description="What the result is.")
    result: SearchResult = strawberry.field(description="The object found.")

    @classmethod
    def from_hit(cls, hit: search_resolvers.SearchHit) -> SearchHit:
        return cls(score=hit.score, kind=hit.kind, result=_result_of(hit.row))


def _result_of(row: search_resolvers.SearchRow) -> Case | TaskType | Department | Officer | LegalReference:
    match row:
        case models.Case():
            return Case.from_model(row)
        case models.TaskType():
            return TaskType.from_model(row)
        case models.Department():
            return Department.from_model(row)
        case models.Officer():
            return Officer.from_model(row)
        case models.LegalReference():
            return LegalReference.from_model(row)


@strawberry.type(description="A search hit and the cursor that points at it.")
class SearchEdge:
    cursor: str = strawberry.field(description="Pass as `after` to get the hits that follow this one.")
    node: SearchHit = strawberry.field(description="The hit.")


@strawberry.type(description="A page of search hits, best first.")
class SearchConnection:
    edges: list[SearchEdge] = strawberry.field(description="The hits of this page, best first.")
    page_info: relay.PageInfo = strawberry.field(description="Where this page sits among all the hits.")
    _page: strawberry.Private[Page[search_resolvers.SearchHit]]

    @classmethod
    def from_page(cls, page: Page[search_resolvers.SearchHit]) -> SearchConnection:
        edges = [
            SearchEdge(cursor=cursor, node=SearchHit.from_hit(hit))
            for hit, cursor in zip(page.rows, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=page_info_of(page), _page=page)

    @strawberry.field(
        description="Number of hits across all pages (only the first "
        f"{search_resolvers.MAX_REACH:,} can be paged through)."
    )
    async def total_count(self) -> int:
        return await self._page.count()


async def resolve_search(
    info: Info,
    query: Annotated[
        str,
        strawberry.argument(
            description=f"What to look for, {search_resolvers.MIN_QUERY_LENGTH} to "
            f"{search_resolvers.MAX_QUERY_LENGTH} characters: words of a title or address, a receipt number, a "
            "name, a code, a law. Small typos are forgiven."
        ),
    ],
    kinds: Annotated[
        list[search_resolvers.SearchKind] | None,
        strawberry.argument(description="Only hits of these kinds; null for every kind."),
    ] = None,
    filter: Annotated[
        CaseFilter | None,
        strawberry.argument(description="Criteria the case hits must meet; hits of other kinds are not affected."),
    ] = None,
    first: FirstArgument = None,
    after: AfterArgument = None,
    last: LastArgument = None,
    before: BeforeArgument = None,
) -> SearchConnection:
    chosen = None if kinds is None else frozenset(kinds)
    criteria = None if filter is None else filter.criteria()
    page = await search_resolvers.search(info.context, query, chosen, criteria, Slice(first, after, last, before))
    return SearchConnection.from_page(page)
