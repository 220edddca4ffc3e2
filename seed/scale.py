from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Scale:
    """How much demo data to make. Departments: city + bureaus + divisions + teams + standalone units."""

    name: str
    filler_bureaus: int
    teams_per_division: tuple[int, ...]
    standalone_units: int
    officers: int
    cases: int
    # Standing inspection teams of two inspectors (Seoul ran 25).
    inspection_teams: int
    span_days: int
    # The data's "now" when none is given: a fixed instant makes the data the same on every machine and day, so
    # the receipt numbers that README and examples/ show always exist; None means the moment of seeding.
    as_of: datetime | None = None


# The seed `openproc serve` and `openproc seed` use unless told otherwise (the year Seoul opened OPEN).
DEMO_SEED = 1999

SCALES = {
    # `make run`: loads in a few seconds.
    "demo": Scale(
        "demo",
        filler_bureaus=0,
        teams_per_division=(2, 2),
        standalone_units=0,
        officers=300,
        cases=2_000,
        inspection_teams=2,
        span_days=540,
        as_of=datetime.fromisoformat("2026-12-01T10:00:00+09:00"),
    ),
    # The original system's first-year size: 54 task types, 485 departments, 5,000 officers, 27,000 cases.
    "seoul": Scale(
        "seoul",
        filler_bureaus=13,
        teams_per_division=(4, 4, 4, 3),
        standalone_units=4,
        officers=5_000,
        cases=27_000,
        inspection_teams=25,
        span_days=730,
    ),
}
