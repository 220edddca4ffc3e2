"""One ranked search over cases, task types, departments, officers and legal references (자료검색).

Core PostgreSQL only (the embedded server has no pg_trgm): every searchable table stores the character bigrams of
its searchable text (`search_grams`, migration 0006) under a GIN index. For a query of n distinct grams:

- a row is a hit when it holds at least half of them (`min_matched`): one typo costs one or two grams, so it still
  finds a three-gram word like 건축허가, while unrelated rows sharing one common gram are cut;
- score = matched / n (0.5 to 1), + 0.5 when the row's text contains the whole query as typed (case-insensitive),
  + 0.5 more when one field is exactly the query: 2.0 at most;
- order: score, then the share of the row's own grams the query explains (tight matches such as a task type's name
  before long case titles), then kind and id, so pages are stable.

Candidates come from the GIN index with `&&`. By the pigeonhole principle a row holding at least k of n grams holds
one of any n - k + 1 of them, so only the n - k + 1 rarest grams (by the planner's own element statistics) are
looked up: common grams such as 서울 or 20 (every address, every receipt number) never flood the candidate set.
"""

import asyncio
import hashlib
import json
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import InstrumentedAttribute

from models import Case, Department, LegalReference, Officer, TaskType
from resolvers.case import CaseFilter, case_criteria
from resolvers.context import Context
from resolvers.errors import InvalidInput
from resolvers.pagination import Page, Slice, decode_cursor, encode_cursor

MAX_QUERY_LENGTH = 100
MIN_QUERY_LENGTH = 2
# Ranked results cannot be paged by key; offsets are cheap up to here and nobody reads further down a ranking.
MAX_REACH = 1_000
CONTAINS_BONUS = 0.5
EXACT_BONUS = 0.5

SearchableModel = type[Case] | type[TaskType] | type[Department] | type[Officer] | type[LegalReference]
SearchRow = Case | TaskType | Department | Officer | LegalReference


class SearchKind(Enum):
    """What a hit is; the order breaks ties between equal scores: reference data before the many cases."""

    TASK_TYPE = 1
    LEGAL_REFERENCE = 2
    DEPARTMENT = 3
    OFFICER = 4
    CASE = 5


@dataclass(frozen=True)
class Target:
    model: SearchableModel
    table: str
    # The searchable text, in the order the generated column joins it (models/*.py, `search_grams_column`).
    fields: tuple[str, ...]
    # Fields a query can equal exactly (a receipt number, a name, a code).
    exact: tuple[str, ...]


TARGETS = {
    SearchKind.CASE: Target(Case, "case", ("receipt_no", "title", "location"), ("receipt_no", "title")),
    SearchKind.TASK_TYPE: Target(TaskType, "task_type", ("code", "name"), ("code", "name")),
    SearchKind.DEPARTMENT: Target(Department, "department", ("code", "name"), ("code", "name")),
    SearchKind.OFFICER: Target(Officer, "officer", ("name", "title"), ("name",)),
    SearchKind.LEGAL_REFERENCE: Target(
        LegalReference, "legal_reference", ("law", "article", "title"), ("law", "title")
    ),
}

# The query's grams, as the database computes them (one definition: the `search_grams` function), with how
# common each is in every searchable table according to ANALYZE's element statistics. Grams missing from those
# statistics are rarer than any listed one.
GRAM_FREQUENCIES = text(
    """
    SELECT g.gram, s.tablename::text AS tablename, s.freq
    FROM unnest(search_grams(:query)) WITH ORDINALITY AS g(gram, position)
    LEFT JOIN (
        SELECT st.tablename, e.elem, e.freq
        FROM pg_stats AS st,
            unnest(st.most_common_elems::text::text[], st.most_common_elem_freqs) AS e(elem, freq)
        WHERE st.schemaname = current_schema() AND st.attname = 'search_grams'
    ) AS s ON s.elem = g.gram
    ORDER BY g.position
    """
)


@dataclass(frozen=True)
class SearchHit:
    kind: SearchKind
    score: float
    row: SearchRow


@dataclass(frozen=True)
class Grams:
    """The query's distinct grams and, per table, how often each occurs (0 when rarer than the statistics show)."""

    grams: tuple[str, ...]
    frequencies: dict[str, dict[str, float]]

    @property
    def min_matched(self) -> int:
        return (len(self.grams) + 1) // 2

    def rarest(self, table: str) -> list[str]:
        """Enough of the rarest grams that every hit holds at least one of them (pigeonhole)."""
        known = self.frequencies.get(table, {})
        ranked = sorted(self.grams, key=lambda gram: (known.get(gram, 0.0), gram))
        return ranked[: len(self.grams) - self.min_matched + 1]


def normalize(query: str) -> str:
    """The query as searched: white space collapsed, so `건축  허가 ` and `건축 허가` are one search."""
    normal = " ".join(query.split())
    if not normal:
        raise InvalidInput("query", "must not be blank")
    if len(normal) > MAX_QUERY_LENGTH:
        raise InvalidInput("query", f"must be at most {MAX_QUERY_LENGTH} characters, got {len(normal)}")
    if len(normal) < MIN_QUERY_LENGTH:
        raise InvalidInput("query", f"must have at least {MIN_QUERY_LENGTH} characters")
    return normal


def fingerprint(query: str, kinds: frozenset[SearchKind], criteria: CaseFilter | None) -> str:
    """Ties a cursor to one search: an offset means nothing in another query's ranking."""
    # Built field by field: repr() of a frozenset follows string hashing, which differs between processes.
    filters = {} if criteria is None else {field.name: getattr(criteria, field.name) for field in fields(criteria)}
    described = json.dumps(
        [query, sorted(kind.name for kind in kinds), filters],
        default=lambda value: sorted(map(str, value)) if isinstance(value, frozenset) else str(value),
        ensure_ascii=False,
        sort_keys=True,
    )
    return "SEARCH:" + hashlib.sha256(described.encode()).hexdigest()[:16]


async def query_grams(context: Context, query: str) -> Grams:
    async with context.sessions() as session:
        rows = (await session.execute(GRAM_FREQUENCIES, {"query": query})).all()
    grams: dict[str, None] = {}
    frequencies: dict[str, dict[str, float]] = {}
    for gram, table, frequency in rows:
        grams[gram] = None
        if table is not None:
            frequencies.setdefault(table, {})[gram] = frequency
    return Grams(tuple(grams), frequencies)


def _column(target: Target, name: str) -> InstrumentedAttribute[Any]:
    column: InstrumentedAttribute[Any] = getattr(target.model, name)
    return column


def hits_of(
    kind: SearchKind, grams: Grams, needle: ColumnElement[str], where: list[ColumnElement[bool]]
) -> Select[Any]:
    """One table's hits: (kind, id, matched grams, contains, exact, own gram count)."""
    target = TARGETS[kind]
    model = target.model
    query_array = bindparam(f"grams_{target.table}", list(grams.grams), type_=ARRAY(Text))
    # A LATERAL aggregate, so that the count is computed once per candidate for both the filter and the score.
    gram = func.unnest(query_array).column_valued("gram")
    matched = (
        select(func.count().label("matched")).where(gram == any_(model.search_grams)).lateral(f"matched_{target.table}")
    )
    haystack = func.lower(func.concat_ws(" ", *(_column(target, name) for name in target.fields)))
    exact = needle == any_(array([func.lower(_column(target, name)) for name in target.exact]))
    rare = bindparam(f"rare_{target.table}", grams.rarest(target.table), type_=ARRAY(Text))
    return (
        select(
            literal(kind.value, Integer).label("kind"),
            model.id.label("id"),
            matched.c.matched.label("matched"),
            (func.strpos(haystack, needle) > 0).label("contains"),
            exact.label("exact"),
            func.cardinality(model.search_grams).label("size"),
        )
        .select_from(model)
        .join(matched, true())
        .where(model.search_grams.overlap(rare), matched.c.matched >= grams.min_matched, *where)
    )


def ranked(
    query: str, grams: Grams, kinds: frozenset[SearchKind], criteria: CaseFilter | None
) -> tuple[Select[Any], Select[Any]]:
    """The ranked hits (kind, id, score, total) and their count, every kind in one statement."""
    needle = func.lower(bindparam("needle", query, type_=Text))
    parts = [
        hits_of(kind, grams, needle, case_criteria(criteria) if kind is SearchKind.CASE and criteria else [])
        for kind in sorted(kinds, key=lambda kind: kind.value)
    ]
    hits = union_all(*parts).subquery("hits")
    score = (
        cast(hits.c.matched, Float) / literal(float(len(grams.grams)), Float)
        + cast(hits.c.contains, Integer) * CONTAINS_BONUS
        + cast(hits.c.exact, Integer) * EXACT_BONUS
    ).label("score")
    density = cast(hits.c.matched, Float) / cast(func.greatest(hits.c.size, 1), Float)
    statement = select(hits.c.kind, hits.c.id, score, func.count().over().label("total")).order_by(
        score.desc(), density.desc(), hits.c.kind, hits.c.id
    )
    return statement, select(func.count()).select_from(hits)


async def _load(context: Context, kind: SearchKind, ids: list[int]) -> list[SearchRow | None]:
    loaders = context.loaders
    match kind:
        case SearchKind.CASE:
            return list(await loaders.case_by_id.load_many(ids))
        case SearchKind.TASK_TYPE:
            return list(await loaders.task_type_by_id.load_many(ids))
        case SearchKind.DEPARTMENT:
            return list(await loaders.department_by_id.load_many(ids))
        case SearchKind.OFFICER:
            return list(await loaders.officer_by_id.load_many(ids))
        case SearchKind.LEGAL_REFERENCE:
            return list(await loaders.legal_reference_by_id.load_many(ids))


async def search(
    context: Context,
    query: str,
    kinds: frozenset[SearchKind] | None,
    criteria: CaseFilter | None,
    window: Slice,
) -> Page[SearchHit]:
    """A page of hits, best first; the case criteria narrow the cases only. Cursors are positions in the ranking:
    the page lies between the window's cursors (and within MAX_REACH), at its start, or at its end when taken
    backward."""
    normal = normalize(query)
    if kinds is not None and not kinds:
        raise InvalidInput("kinds", "must name at least one kind, or be null for every kind")
    chosen = frozenset(SearchKind) if kinds is None else kinds
    ordering = fingerprint(normal, chosen, criteria)

    def position(cursor: str, argument: str) -> int:
        at, _ = decode_cursor(cursor, ordering, int, argument)
        if not isinstance(at, int) or not 0 <= at < MAX_REACH:
            raise InvalidInput(argument, "is not a cursor of this search")
        return at

    start = 0 if window.after is None else position(window.after, "after") + 1
    end = MAX_REACH if window.before is None else position(window.before, "before")
    grams = await query_grams(context, normal)
    statement, count_statement = ranked(normal, grams, chosen, criteria)
    if window.backward and window.before is None:
        # The end of the ranking: its length, or MAX_REACH where the page is cut short.
        async with context.sessions() as session:
            end = min(end, await session.scalar(count_statement) or 0)
    size = window.size
    offset = max(start, end - size) if window.backward else start
    limit = max(0, min(size, end - offset))
    async with context.sessions() as session:
        rows = (await session.execute(statement.offset(offset).limit(limit + 1))).all()

    shown = rows[:limit]
    by_kind: dict[SearchKind, list[int]] = {}
    for row in shown:
        by_kind.setdefault(SearchKind(row.kind), []).append(row.id)
    kinds_loaded = list(by_kind)
    loaded = await asyncio.gather(*(_load(context, kind, by_kind[kind]) for kind in kinds_loaded))
    objects = {
        (kind, row.id): row
        for kind, found in zip(kinds_loaded, loaded, strict=True)
        for row in found
        if row is not None
    }
    hits: list[SearchHit] = []
    cursors: list[str] = []
    for index, row in enumerate(shown):
        # A row deleted between the ranking and the load is left out; positions stay those of the ranking.
        found = objects.get((SearchKind(row.kind), row.id))
        if found is not None:
            hits.append(SearchHit(SearchKind(row.kind), float(row.score), found))
            cursors.append(encode_cursor(ordering, offset + index, row.id))
    known_total = int(rows[0].total) if rows else None

    async def count() -> int:
        if known_total is not None:
            return known_total
        async with context.sessions() as session:
            return await session.scalar(count_statement) or 0

    beyond = offset > start if window.backward else len(rows) > limit and offset + limit < end
    has_next, has_previous = window.flags(beyond)
    return Page(rows=hits, cursors=cursors, has_next=has_next, has_previous=has_previous, count=count)
