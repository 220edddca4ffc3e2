from datetime import UTC, datetime
from typing import overload
from zoneinfo import ZoneInfo

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition, isoformat, wrap_parser

SEOUL = ZoneInfo("Asia/Seoul")


@overload
def local(instant: datetime) -> datetime: ...
@overload
def local(instant: None) -> None: ...
def local(instant: datetime | None) -> datetime | None:
    """Instants are stored in UTC and presented in Seoul time, the city's legal clock."""
    return None if instant is None else instant.astimezone(SEOUL)


@overload
def aware(instant: datetime) -> datetime: ...
@overload
def aware(instant: None) -> None: ...
def aware(instant: datetime | None) -> datetime | None:
    """A client's instant without an offset is read as Seoul time."""
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=SEOUL)


def past_due(due: datetime | None, done: datetime | None) -> bool:
    """Done after its deadline, or still not done with the deadline gone by; no deadline is never late."""
    return due is not None and (done or datetime.now(UTC)) > due


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time that is an instant PostgreSQL and Python can both hold, whatever its offset:
    0001-01-01T00:00+09:00 is in year 0 once in UTC, and used to fail in the database (a masked error)."""
    value = datetime.fromisoformat(text)
    try:
        aware(value).astimezone(UTC)
    except OverflowError:
        raise ValueError("it falls outside the years 1 to 9999 in UTC") from None
    return value


# Strawberry's DateTime, with the instant's range checked where every input is coerced (all doors, variables and
# literals alike).
DateTime = strawberry.scalar(
    name="DateTime",
    description=DateTimeDefinition.description,
    serialize=isoformat,
    parse_value=wrap_parser(parse_instant, "DateTime"),
)
