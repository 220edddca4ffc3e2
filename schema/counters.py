"""The figures Seoul reported publicly, and the round numbers they have passed."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from resolvers.oversight.counters import Metric
from schema.described import described
from schema.time import local

described(
    Metric,
    "A published figure.",
    {
        Metric.REGISTERED_CASES: "Cases registered.",
        Metric.REGISTERED_DOCUMENTS: "Documents registered.",
        Metric.CASE_PAGE_VIEWS: "Views of case pages.",
        Metric.DOCUMENT_VIEWS: "Views of public documents.",
    },
    name="CounterMetric",
)


@strawberry.type(description="A figure passing a round number, announced once with a MILESTONE_REACHED event.")
class Milestone:
    metric: Metric = strawberry.field(description="Which figure.")
    threshold: int = strawberry.field(description="The round number passed.")
    value: int = strawberry.field(description="The figure when it was noticed.")
    reached_at: datetime = strawberry.field(
        description=(
            "When it was reached (Asia/Seoul): for registrations, when the case or document that made the round "
            "number was registered; for views, which are tallied by the hour, the end of the hour whose views "
            "reached it (or when the oversight round noticed it, if that was sooner)."
        )
    )
    event_sequence: int = strawberry.field(description="Sequence of the MILESTONE_REACHED event.")

    @classmethod
    def from_model(cls, row: models.Milestone) -> Milestone:
        return cls(
            metric=Metric(row.metric),
            threshold=row.threshold,
            value=row.value,
            reached_at=local(row.reached_at),
            event_sequence=row.event_seq,
        )


@strawberry.type(description="The public counters (no viewer is identified or stored to count views).")
class PublicCounters:
    registered_cases: int = strawberry.field(description="Cases registered.")
    registered_documents: int = strawberry.field(description="Documents registered, public and private.")
    case_page_views: int = strawberry.field(description="Views of case pages, counted by `recordCaseView`.")
    document_views: int = strawberry.field(description="Views of public documents, counted by `recordDocumentView`.")
    milestones: list[Milestone] = strawberry.field(description="Round numbers passed, oldest first.")
