"""Running a mutation: the caller, the idempotency key, one transaction, and typed refusals."""

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from models import Officer
from resolvers.errors import InvalidInput
from resolvers.errors import WorkflowError as DomainWorkflowError
from resolvers.idempotency import Attempt, Saved, load_row, perform, save_row
from schema.info import Info
from schema.mutations.errors import WorkflowError

R = TypeVar("R")

INPUT_DESCRIPTION = "What to change; every field is described on the input type."

IdempotencyKeyArgument = Annotated[
    str | None,
    strawberry.argument(
        description="Any unique string (e.g. a UUID) of yours: a retry with the same key returns the first "
        "result and changes nothing more."
    ),
]


def arguments_of(value: object) -> dict[str, Any]:
    """What the request asked, for telling a true retry from a reused key."""
    assert dataclasses.is_dataclass(value), "inputs are dataclasses"
    assert not isinstance(value, type)
    return dataclasses.asdict(value)


async def as_officer(
    info: Info,
    operation: str,
    arguments: object,
    key: str | None,
    write: Callable[[AsyncSession, Officer], Awaitable[R]],
    replayed: Callable[[AsyncSession, R], Awaitable[None]] | None = None,
) -> R | WorkflowError:
    """Run `write` as the signed-in officer. Authentication and permission failures stay top-level errors."""
    officer = await info.context.officer()
    attempt = Attempt(scope=f"officer:{officer.id}", operation=operation, key=key, arguments=arguments_of(arguments))
    return await run(info, attempt, lambda session: write(session, officer), replayed)


async def run(
    info: Info,
    attempt: Attempt,
    write: Callable[[AsyncSession], Awaitable[R]],
    replayed: Callable[[AsyncSession, R], Awaitable[None]] | None = None,
    save: Callable[[R], Saved] = save_row,
    load: Callable[[AsyncSession, Saved], Awaitable[R]] = load_row,
) -> R | WorkflowError:
    try:
        result, replay = await perform(info.context.sessions, attempt, write, replayed, save, load)
    except DomainWorkflowError as error:
        return WorkflowError.from_domain(error)
    except InvalidInput as error:
        return WorkflowError.from_input(error)
    if not replay:
        await info.context.committed()
    return result
