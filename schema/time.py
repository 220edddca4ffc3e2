from datetime import UTC, datetime
from typing import overload
from zoneinfo import ZoneInfo

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
