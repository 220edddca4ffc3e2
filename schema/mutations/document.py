"""registerDocument."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers.workflow import documents
from schema.enums import DocumentKind
from schema.ids import db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, as_officer
from schema.mutations.step import OCCURRED_AT
from schema.nodes.document import Document
from schema.time import aware


@strawberry.type(description="The document a mutation registered.")
class DocumentPayload:
    document: Document = strawberry.field(description="The document (private ones are visible only here).")


DocumentResult = Annotated[
    DocumentPayload | WorkflowError, strawberry.union("DocumentResult", description="The document or a refusal.")
]


@strawberry.input(description="Register a document on a case.")
class RegisterDocumentInput:
    case_id: relay.GlobalID = strawberry.field(description="The case.")
    title: str = strawberry.field(description="Title, at most 200 characters.")
    kind: DocumentKind = strawberry.field(description="Kind of document.")
    is_public: bool = strawberry.field(
        description="Public documents are disclosed; private ones (e.g. with personal data) never are."
    )
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


async def register_document(
    info: Info,
    input: Annotated[RegisterDocumentInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> DocumentResult:
    result = await as_officer(
        info,
        "registerDocument",
        input,
        idempotency_key,
        lambda session, officer: documents.register(
            session,
            officer,
            info.context.policy,
            db_id_for(input.case_id, "Case", "caseId"),
            input.title,
            input.kind,
            input.is_public,
            aware(input.occurred_at),
        ),
    )
    return result if isinstance(result, WorkflowError) else DocumentPayload(document=Document.from_model(result))
