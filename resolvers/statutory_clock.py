"""Processing periods as the Civil Petitions Act counts them (민원 처리에 관한 법률 제19조).

- A period of five days or less is counted in working hours from the moment of receipt, a day being eight
  hours; Saturdays and public holidays are not counted.
- A longer period is counted in days, the first day included; Saturdays and public holidays are not counted.

Sundays are public holidays (관공서의 공휴일에 관한 규정), so only weekdays that are not holidays count.
Working hours are 09:00–12:00 and 13:00–18:00 in Seoul (국가공무원 복무규정), eight hours a day.
"""

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
HOURS_A_DAY = 8
HOURLY_LIMIT_DAYS = 5
WORKING_WINDOWS = ((time(9), time(12)), (time(13), time(18)))
CLOSE_OF_DAY = WORKING_WINDOWS[-1][1]


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_hours(start: datetime, hours: float, holidays: Collection[date]) -> datetime:
    """The instant `hours` working hours after `start`; time outside working windows does not count."""
    remaining = timedelta(hours=hours)
    moment = start.astimezone(SEOUL)
    while True:
        if is_working_day(moment.date(), holidays):
            for opens, closes in WORKING_WINDOWS:
                window_start = datetime.combine(moment.date(), opens, SEOUL)
                window_end = datetime.combine(moment.date(), closes, SEOUL)
                begin = max(moment, window_start)
                if begin >= window_end:
                    continue
                available = window_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                moment = window_end
        moment = datetime.combine(moment.date() + timedelta(days=1), time(0), SEOUL)


def seoul_date(instant: datetime) -> date:
    """The day `instant` falls on in Seoul."""
    return instant.astimezone(SEOUL).date()


def add_working_days(start: datetime, days: int, holidays: Collection[date]) -> datetime:
    """Close of the `days`-th working day counting the day of `start` (if it is one) as the first."""
    day = start.astimezone(SEOUL).date()
    counted = 0
    while True:
        if is_working_day(day, holidays):
            counted += 1
            if counted >= days:
                return datetime.combine(day, CLOSE_OF_DAY, SEOUL)
        day += timedelta(days=1)


def due_at(received_at: datetime, days: int, holidays: Collection[date]) -> datetime:
    """The deadline of a processing period of `days` days starting at `received_at`."""
    if days < 1:
        raise ValueError("a processing period is at least one day")
    if days <= HOURLY_LIMIT_DAYS:
        return add_working_hours(received_at, days * HOURS_A_DAY, holidays)
    return add_working_days(received_at, days, holidays)


def working_hours_between(start: datetime, end: datetime, holidays: Collection[date]) -> float:
    """Working hours elapsed from `start` to `end` (what a pause of the clock must give back)."""
    if end <= start:
        return 0.0
    total = timedelta()
    day = start.astimezone(SEOUL).date()
    last = end.astimezone(SEOUL).date()
    while day <= last:
        if is_working_day(day, holidays):
            for opens, closes in WORKING_WINDOWS:
                begin = max(start, datetime.combine(day, opens, SEOUL))
                finish = min(end, datetime.combine(day, closes, SEOUL))
                if finish > begin:
                    total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
