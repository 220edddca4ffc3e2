"""importReferenceData: administrators keep task types, approval lines, laws, departments and officers."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import reference
from resolvers.idempotency import Attempt
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import IdempotencyKeyArgument, run


@strawberry.type(description="What a reference import created or updated, by natural key.")
class ReferenceImport:
    legal_references: list[str] = strawberry.field(description="Laws and articles, as `<law> <article>`.")
    departments: list[str] = strawberry.field(description="Department codes.")
    officers: list[str] = strawberry.field(description="Employee numbers.")
    task_types: list[str] = strawberry.field(description="Task type codes.")


ReferenceImportResult = Annotated[
    ReferenceImport | WorkflowError, strawberry.union("ReferenceImportResult", description="The import or a refusal.")
]


async def import_reference_data(
    info: Info,
    document: Annotated[
        str,
        strawberry.argument(
            description="A YAML (or JSON) document with `legal_references`, `departments`, `officers` and "
            "`task_types`, as `openproc reference export` writes it."
        ),
    ],
    idempotency_key: IdempotencyKeyArgument = None,
) -> ReferenceImportResult:
    officer = await info.context.officer()
    attempt = Attempt(f"officer:{officer.id}", "importReferenceData", idempotency_key, {"document": document})

    async def write(session: AsyncSession) -> dict[str, list[str]]:
        return await reference.apply(session, officer, reference.parse(document))

    async def load(_: AsyncSession, saved: dict[str, Any]) -> dict[str, list[str]]:
        changed: dict[str, list[str]] = saved["changed"]
        return changed

    result = await run(info, attempt, write, save=lambda changed: {"changed": changed}, load=load)
    if isinstance(result, WorkflowError):
        return result
    return ReferenceImport(
        legal_references=result["legalReferences"],
        departments=result["departments"],
        officers=result["officers"],
        task_types=result["taskTypes"],
    )
