from dataclasses import dataclass
from datetime import datetime

from seed.seoul import DISTRICT_NAMES


@dataclass(frozen=True)
class Scale:
    """How much demo data to make: City Hall's units and those of the districts named (seed.seoul)."""

    name: str
    districts: tuple[str, ...]
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
        # Old town, the west and the south-east, each with its own fire station and education office.
        districts=("종로구", "마포구", "강남구"),
        officers=300,
        cases=2_000,
        inspection_teams=2,
        span_days=540,
        as_of=datetime.fromisoformat("2026-12-01T10:00:00+09:00"),
    ),
    # The original system's first-year size: 54 task types, 5,000 officers, 27,000 cases, all 25 districts.
    "seoul": Scale(
        "seoul",
        districts=DISTRICT_NAMES,
        officers=5_000,
        cases=27_000,
        inspection_teams=25,
        span_days=730,
    ),
}
