"""민원 처리에 관한 법률 제19조: hours for short periods, days (first day included) for long ones."""

from datetime import date, datetime

import pytest

from resolvers.statutory_clock import SEOUL, add_working_days, add_working_hours, due_at

HOLIDAYS = {date(2026, 9, 24), date(2026, 9, 25), date(2026, 10, 5), date(2026, 10, 9)}


def seoul(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        # 8 working hours from Monday 10:00 skip lunch and the evening: Tuesday 10:00.
        (seoul(2026, 11, 23, 10), 1, seoul(2026, 11, 24, 10)),
        # Received Friday 17:00: one hour on Friday, the rest on Monday (Saturday and Sunday do not count).
        (seoul(2026, 11, 27, 17), 1, seoul(2026, 11, 30, 17)),
        # Received in the evening: the clock starts at the next opening.
        (seoul(2026, 11, 23, 20), 1, seoul(2026, 11, 24, 18)),
        # Five days = 40 hours, crossing the Chuseok holidays (Thursday and Friday) and a weekend.
        (seoul(2026, 9, 22, 9), 5, seoul(2026, 9, 30, 18)),
        # Six days or more: counted in days, the first day included, to the close of the last day.
        (seoul(2026, 11, 23, 15), 6, seoul(2026, 11, 30, 18)),
        # ... skipping public holidays as well as weekends (10월 5일 대체공휴일, 10월 9일 한글날).
        (seoul(2026, 10, 1, 9), 7, seoul(2026, 10, 13, 18)),
    ],
)
def test_due_at(received: datetime, days: int, expected: datetime) -> None:
    assert due_at(received, days, HOLIDAYS) == expected


def test_a_day_received_on_a_holiday_is_not_counted() -> None:
    assert add_working_days(seoul(2026, 10, 9, 11), 1, HOLIDAYS) == seoul(2026, 10, 12, 18)


def test_lunch_hour_does_not_count() -> None:
    assert add_working_hours(seoul(2026, 11, 23, 11, 30), 1, HOLIDAYS) == seoul(2026, 11, 23, 13, 30)


def test_a_period_is_at_least_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        due_at(seoul(2026, 11, 23, 9), 0, HOLIDAYS)
