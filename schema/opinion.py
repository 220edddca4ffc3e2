from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from resolvers import opinions
from resolvers.errors import InvalidInput
from resolvers.pagination import Page, Slice
from schema.described import described
from schema.ids import db_id_for, db_ids_of
from schema.info import Info
from schema.nodes import officer as officer_schema
from schema.pagination import edges_of, page_info_of
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.officer import Officer


described(
    models.OpinionStatus,
    "Where an opinion stands in moderation. Always public, like the reason for it.",
    {
        models.OpinionStatus.PUBLISHED: "Shown to everyone.",
        models.OpinionStatus.HELD: "Waiting for a moderator, text not shown: it looks like it holds personal data "
        "(a phone number, e-mail address or resident registration number).",
        models.OpinionStatus.HIDDEN: "Hidden by a moderator, text not shown, for the reason given.",
    },
)


class OpinionDecision(Enum):
    """A moderator's choice, valued by the status it sets: only the automatic check holds an opinion (HELD), so
    moderators are offered decisions of their own rather than the statuses."""

    PUBLISH = models.OpinionStatus.PUBLISHED
    HIDE = models.OpinionStatus.HIDDEN


described(
    OpinionDecision,
    "A moderator's decision on an opinion.",
    {
        OpinionDecision.PUBLISH: "Show its text to everyone.",
        OpinionDecision.HIDE: "Hide its text from everyone (the opinion stays listed).",
    },
)


def _given(value: Any) -> Any:
    """A oneOf member that was not sent is UNSET, not None."""
    return None if value is strawberry.UNSET else value


@strawberry.input(one_of=True, description="What opinions are about: exactly one of these fields.")
class OpinionSubjectInput:
    case_receipt_no: str | None = strawberry.field(
        default=strawberry.UNSET, description="A case, by its receipt number (접수번호)."
    )
    step_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="One step of a case's approval line, by its ID."
    )
    officer_id: relay.GlobalID | None = strawberry.field(default=strawberry.UNSET, description="An officer, by ID.")
    task_type_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="A task type, by its code (e.g. FOD-RST)."
    )

    def to_domain(self) -> opinions.Subject:
        step_id, officer_id = _given(self.step_id), _given(self.officer_id)
        return opinions.Subject(
            case_receipt_no=_given(self.case_receipt_no),
            step_id=None if step_id is None else db_id_for(step_id, "Step", "about.stepId"),
            officer_id=None if officer_id is None else db_id_for(officer_id, "Officer", "about.officerId"),
            task_type_code=_given(self.task_type_code),
        )


@strawberry.type(
    description="A citizen's opinion (시민의견) on a case, a step, an officer or a task type, moderated in public "
    "and answered by the department concerned. Nothing identifies its author."
)
class Opinion(relay.Node):
    id: relay.NodeID[int]
    alias: str = strawberry.field(description="The name the author chose to sign with (시민 by default).")
    posted_at: datetime = strawberry.field(description="When it was left (Asia/Seoul), to the minute.")
    status: models.OpinionStatus = strawberry.field(description="Whether its text is shown, held or hidden.")
    moderation_reason: str | None = strawberry.field(
        description="Why it is held, hidden or published again; null if it was published at once."
    )
    moderated_at: datetime | None = strawberry.field(
        description="When a moderator last decided on it (Asia/Seoul); null while no moderator has."
    )
    answer: str | None = strawberry.field(description="The department's public answer; null until answered.")
    answered_at: datetime | None = strawberry.field(description="When it was answered (Asia/Seoul).")
    text: strawberry.Private[str]
    moderated_by_id: strawberry.Private[int | None]
    answered_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Opinion) -> Opinion:
        return from_row(
            cls,
            row,
            alias=row.author_alias,
            text=row.body,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Opinion | None]:
        rows = await opinions.opinions_by_ids(info.context, db_ids_of(node_ids))
        if required and any(row is None for row in rows):
            raise InvalidInput("ids", "names an object that does not exist")
        return [None if row is None else cls.from_model(row) for row in rows]

    @strawberry.field(
        description="The opinion's text, at most 1,000 characters. Null unless PUBLISHED, except for the signed-in "
        "officers who may moderate it, who need to read it to decide."
    )
    async def body(self, info: Info) -> str | None:
        if self.status is models.OpinionStatus.PUBLISHED or await opinions.may_read_withheld(info.context, self.id):
            return self.text
        return None

    @strawberry.field(description="The officer who answered it, by their public name and title.")
    async def answered_by(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        return await _officer(info, self.answered_by_id)

    @strawberry.field(description="The officer who last decided on it; null while no moderator has.")
    async def moderated_by(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        return await _officer(info, self.moderated_by_id)


async def _officer(info: Info, officer_id: int | None) -> Officer | None:
    if officer_id is None:
        return None
    row = await info.context.loaders.officer_by_id.load(officer_id)
    return None if row is None else officer_schema.Officer.from_model(row)


@strawberry.type(description="A page of opinions.")
class OpinionConnection(relay.Connection[Opinion]):
    _page: strawberry.Private[Page[models.Opinion]]

    @classmethod
    def from_page(cls, page: Page[models.Opinion]) -> OpinionConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Opinion.from_model), _page=page)

    @strawberry.field(description="Number of opinions about the subject, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()


OpinionSubjectArgument = Annotated[
    OpinionSubjectInput, strawberry.argument(description="What the opinions are about: exactly one field.")
]


async def resolve_opinions(info: Info, about: OpinionSubjectInput, window: Slice) -> OpinionConnection:
    return OpinionConnection.from_page(await opinions.list_opinions(info.context, about.to_domain(), window))
