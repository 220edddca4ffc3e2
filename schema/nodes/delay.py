"""Delays found by the oversight round (입력지연 자동체크), with the department's public explanation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from resolvers.oversight import delays
from resolvers.pagination import Page
from schema.described import described
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import department as department_schema
from schema.nodes import event as event_schema
from schema.nodes import officer as officer_schema
from schema.nodes import step as step_schema
from schema.pagination import edges_of, page_info_of
from schema.rows import from_row
from schema.scope import OversightScope, scope_of
from schema.time import aware

if TYPE_CHECKING:
    from schema.nodes.case import Case
    from schema.nodes.department import Department
    from schema.nodes.event import Event
    from schema.nodes.officer import Officer
    from schema.nodes.step import Step


described(
    models.DelayKind,
    "What was late.",
    {
        models.DelayKind.PROCESSING: "A step or case went past its due time (처리지연), still open or closed late.",
        models.DelayKind.INPUT: "An officer entered changes long after they happened (입력지연): one sitting's "
        "late entries on one case, each recorded more than the server's INPUT_DELAY_WORKING_HOURS working hours "
        "after the fact.",
    },
)


@strawberry.type(
    description="A delay the oversight round found, announced with a DELAY_DETECTED event of its own, or, when it "
    "lies in history imported with the data, with the DELAYS_SUMMARIZED event of its rule and day."
)
class Delay(relay.Node):
    id: relay.NodeID[int]
    kind: models.DelayKind = strawberry.field(description="Processing or input delay.")
    due_at: datetime | None = strawberry.field(description="The deadline that was missed (processing delays).")
    lag_hours: float | None = strawberry.field(
        description="Working hours between when it happened and when it was entered, the longest of its entries "
        "(input delays; delays found before 2026-12 counted calendar hours)."
    )
    detected_at: datetime = strawberry.field(description="When the round found it (Asia/Seoul).")
    detected_sequence: int = strawberry.field(
        description="Sequence of the event announcing it: its DELAY_DETECTED, or its day's DELAYS_SUMMARIZED."
    )
    historic: bool = strawberry.field(
        description="Found in history imported with the data (due or entered before it ended), so announced in a "
        "day's summary rather than as news."
    )
    late_event_sequence: int | None = strawberry.field(
        description="Sequence of the first late-entered event (input delays).",
        deprecation_reason="Use `lateEntries` instead; removed after 2027-06-30.",
    )
    explanation: str | None = strawberry.field(description="The department's public explanation, if given.")
    explained_at: datetime | None = strawberry.field(description="When the explanation was given.")
    case_id: strawberry.Private[int]
    step_id: strawberry.Private[int | None]
    officer_id: strawberry.Private[int | None]
    department_id: strawberry.Private[int]
    explained_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Delay) -> Delay:
        return from_row(
            cls,
            row,
            detected_sequence=row.detected_seq,
            late_event_sequence=row.late_event_seq,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Delay | None]:
        return await nodes_from(info.context.loaders.delay_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The case that was late, or whose change was entered late.")
    async def case(self, info: Info) -> Annotated["Case", strawberry.lazy("schema.nodes.case")]:
        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None, "foreign key guarantees the case"
        return case_schema.Case.from_model(row)

    @strawberry.field(description="The step concerned, if the delay is about one.")
    async def step(self, info: Info) -> Annotated["Step", strawberry.lazy("schema.nodes.step")] | None:
        row = None if self.step_id is None else await info.context.loaders.step_by_id.load(self.step_id)
        return None if row is None else step_schema.Step.from_model(row)

    @strawberry.field(description="The officer who answers for it: the step's holder or the late entry's author.")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        row = None if self.officer_id is None else await info.context.loaders.officer_by_id.load(self.officer_id)
        return None if row is None else officer_schema.Officer.from_model(row)

    @strawberry.field(description="The department that answers for it (the officer's, or the case's).")
    async def department(self, info: Info) -> Annotated["Department", strawberry.lazy("schema.nodes.department")]:
        row = await info.context.loaders.department_by_id.load(self.department_id)
        assert row is not None, "foreign key guarantees the department"
        return department_schema.Department.from_model(row)

    @strawberry.field(description="The officer who gave the explanation.")
    async def explained_by(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        if self.explained_by_id is None:
            return None
        row = await info.context.loaders.officer_by_id.load(self.explained_by_id)
        return None if row is None else officer_schema.Officer.from_model(row)

    @strawberry.field(
        description="Every late entry of the sitting on this case, in sequence order (input delays; empty for "
        "processing delays)."
    )
    async def late_entries(self, info: Info) -> list[Annotated["Event", strawberry.lazy("schema.nodes.event")]]:
        return [
            event_schema.Event.from_model(row)
            for row in await info.context.loaders.late_entries_by_delay_id.load(self.id)
        ]

    @strawberry.field(
        description="The first late-entered event (input delays).",
        deprecation_reason="Use `lateEntries` instead; removed after 2027-06-30.",
    )
    async def late_event(self, info: Info) -> Annotated["Event", strawberry.lazy("schema.nodes.event")] | None:
        if self.late_event_sequence is None:
            return None
        row = await info.context.loaders.event_by_seq.load(self.late_event_sequence)
        return None if row is None else event_schema.Event.from_model(row)


@strawberry.type(description="A page of delays.")
class DelayConnection(relay.Connection[Delay]):
    _page: strawberry.Private[Page[models.Delay]]

    @classmethod
    def from_page(cls, page: Page[models.Delay]) -> DelayConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Delay.from_model), _page=page)

    @strawberry.field(description="Number of delays matching the filter, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()


@strawberry.input(description="Which delays to list.")
class DelayFilter:
    scope: OversightScope | None = strawberry.field(
        default=None, description="Department (the unit answering for it), officer, task type."
    )
    kind: models.DelayKind | None = strawberry.field(default=None, description="Only processing or only input delays.")
    detected_from: datetime | None = strawberry.field(default=None, description="Found at or after this instant.")
    detected_to: datetime | None = strawberry.field(default=None, description="Found before this instant.")
    historic: bool | None = strawberry.field(
        default=None, description="Only delays of imported history (true) or only those found as news (false)."
    )

    def to_filter(self) -> delays.DelayFilter:
        return delays.DelayFilter(
            scope=scope_of(self.scope, "filter.scope"),
            kind=self.kind,
            detected_from=aware(self.detected_from),
            detected_to=aware(self.detected_to),
            historic=self.historic,
        )
