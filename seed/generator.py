"""Builds the demo data set in memory as rows ready for COPY, deterministically from a seed and a date.

Each case is simulated through its approval line: steps take a random share of their standard time (some
run late), and whatever the simulated clock had reached at `as_of` decides what is signed, in progress or
pending. Applicants' personal data goes only to the private `applicant` rows.

Every row is a NamedTuple built with keyword arguments, its fields named after the table's columns; `seed.loader`
takes the column order, the load order and what may be left out from the models' metadata.
"""

import itertools
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from ledger import leaf, merkle, payloads
from models import (
    ActionStatus,
    CaseStatus,
    DepartmentLevel,
    DocumentKind,
    EventType,
    OfficerRole,
    StepRole,
    StepStatus,
    TaskCategory,
)
from resolvers import durations
from resolvers.oversight.counters import Metric
from resolvers.statutory_clock import SEOUL, add_working_hours, due_at, is_working_day, working_hours_between
from seed import people, seoul
from seed.catalog import DISCLOSURE_REASONS, FEES, LAWS, LINES, REJECTIONS, RESULTS, TASKS, TaskSpec
from seed.scale import Scale

# A row of one table: a NamedTuple whose field names are the table's column names, even where a name shadows a
# tuple method (`ledger_node.index`).
Row = NamedTuple


class DepartmentRow(NamedTuple):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    phone: str


class OfficerRow(NamedTuple):
    id: int
    employee_no: str
    name: str
    title: str
    department_id: int
    email: str
    phone: str
    active: bool
    role: str


class LegalReferenceRow(NamedTuple):
    id: int
    law: str
    article: str
    title: str
    excerpt: str
    url: str


class TaskTypeRow(NamedTuple):
    id: int
    code: str
    name: str
    category: str
    description: str
    disclosure_reason: str
    statutory_days: int
    period_in_law: bool
    standard_days: int
    fee: str | None
    department_id: int


class InspectionTeamRow(NamedTuple):
    id: int
    name: str
    department_id: int
    active: bool


class InspectionTeamMemberRow(NamedTuple):
    team_id: int
    officer_id: int


class TaskTypeLegalReferenceRow(NamedTuple):
    task_type_id: int
    legal_reference_id: int


class StepTemplateRow(NamedTuple):
    id: int
    task_type_id: int
    sequence: int
    name: str
    role: str
    standard_days: int
    legal_reference_id: int | None


class ApplicantRow(NamedTuple):
    case_id: int
    name: str
    phone: str
    email: str
    address: str
    access_code_hash: str


class DocumentRow(NamedTuple):
    id: int
    case_id: int
    title: str
    kind: str
    is_public: bool
    registered_at: datetime
    registered_by_id: int
    view_count: int


class ViewTallyRow(NamedTuple):
    metric: str
    hour: datetime
    shard: int
    views: int


class ScheduledActionRow(NamedTuple):
    id: int
    case_id: int
    description: str
    scheduled_for: datetime
    status: str
    completed_at: datetime | None


class EventRow(NamedTuple):
    seq: int
    case_id: int
    step_id: int | None
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_officer_id: int | None
    payload: str  # JSON text: COPY hands it to jsonb as it is


class LedgerLeafRow(NamedTuple):
    leaf_index: int
    seq: int
    leaf: bytes


class LedgerNodeRow(NamedTuple):
    level: int
    index: int  # type: ignore[assignment]  # the column's name; nothing calls tuple.index on these rows
    hash: bytes


class StepRow(NamedTuple):
    id: int
    case_id: int
    sequence: int
    name: str
    role: str
    officer_id: int
    status: str
    started_at: datetime | None
    due_at: datetime | None
    standard_days: int
    signed_at: datetime | None
    signed_by_id: int | None
    comment: str | None
    legal_basis_id: int | None
    working_hours: float | None


class CaseRow(NamedTuple):
    id: int
    receipt_no: str
    task_type_id: int
    department_id: int
    title: str
    location: str
    status: str
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    result: str | None
    clock_paused_at: datetime | None
    working_hours: float | None


@dataclass(frozen=True)
class PendingEvent:
    """An event of the simulated history, numbered once all cases are simulated (in recording order)."""

    recorded_at: datetime
    order: int
    case_id: int
    step_id: int | None
    type: EventType
    occurred_at: datetime
    actor_id: int | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One simulated change of a case, before it becomes an event of `details`' kind."""

    details: payloads.Details
    occurred: datetime
    actor: int | None
    status: CaseStatus
    step: StepRow | None = None
    step_status: StepStatus | None = None
    # Counter intake is typed in afterwards; online submissions are recorded as they happen.
    lag: bool = True
    # The due times a resumption moved (step sequence → due), and the case's.
    dues: tuple[tuple[int, datetime], ...] = ()
    case_due: datetime | None = None


CLOSING_EVENTS: dict[CaseStatus, type[payloads.CaseClosed]] = {
    CaseStatus.COMPLETED: payloads.CaseClosed,
    CaseStatus.REJECTED: payloads.CaseRejected,
    CaseStatus.WITHDRAWN: payloads.CaseWithdrawn,
}


# The tables the seed fills and the row type of each. `seed.loader` loads them in the models' dependency order.
ROW_TYPES: dict[str, type[Row]] = {
    "department": DepartmentRow,
    "officer": OfficerRow,
    "legal_reference": LegalReferenceRow,
    "task_type": TaskTypeRow,
    "task_type_legal_reference": TaskTypeLegalReferenceRow,
    "step_template": StepTemplateRow,
    "case": CaseRow,
    "applicant": ApplicantRow,
    "step": StepRow,
    "document": DocumentRow,
    "scheduled_action": ScheduledActionRow,
    "event": EventRow,
    "ledger_leaf": LedgerLeafRow,
    "ledger_node": LedgerNodeRow,
    "inspection_team": InspectionTeamRow,
    "inspection_team_member": InspectionTeamMemberRow,
    "view_tally": ViewTallyRow,
}

# The moments a seeded document's views are spread over.
VIEW_MOMENTS = 4
# Officers every team has at least, besides its lead.
TEAM_MINIMUM = 2
# How a task introduction names the office of a unit that each district has its own of.
OFFICES = {"gu": "주소지 자치구청", "fire": "관할 소방서", "edu": "관할 교육지원청"}

# Online submissions among the demo cases; the rest were registered at a counter.
ONLINE_SHARE = 0.25
# Entries made days after the fact: the input delays Seoul's daily check looked for.
LATE_ENTRY_SHARE = 0.015

# A locked hash: demo applicants have no usable access code until one is issued to them.
LOCKED_ACCESS_CODE = "!"

LINE_WEIGHTS = {"short": 4.2, "standard": 2.5, "full": 1.2, "enforcement": 1.6, "project": 0.35}
# Counters are open on working days, 09:00 to 18:00.
COUNTER_OPENS, COUNTER_MINUTES = time(9), 9 * 60
# Applications whose review asks the applicant for a missing document, and of those, the share asked again.
SUPPLEMENT_SHARE = 0.15
RETURNED_AGAIN_SHARE = 0.2
# The time an applicant is given to supply what was asked for.
SUPPLEMENT_DAYS = 14
SUPPLEMENT_REASONS = (
    "구비서류 보완 요청",
    "배치도와 평면도의 축척 불일치 보완",
    "소유권 확인 서류 보완",
    "관계부서 협의의견 반영 요청",
    "시설 기준 충족 증빙 보완",
)
WITHDRAWN_SHARE = 0.01
REJECTED_SHARE = 0.05
STUCK_SHARE = 0.15


@dataclass
class Team:
    department_id: int
    staff: list[int] = field(default_factory=list)
    lead: int = 0
    division_head: int = 0
    bureau_head: int = 0


@dataclass
class Dataset:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    # Department id → its head officer, set once both tables are loaded (they refer to each other).
    heads: dict[int, int] = field(default_factory=dict)

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)

    def count(self, table: str) -> int:
        return len(self.rows[table])


class Ids:
    def __init__(self) -> None:
        self._last: defaultdict[str, int] = defaultdict(int)

    def next(self, table: str) -> int:
        self._last[table] += 1
        return self._last[table]


@dataclass(frozen=True)
class Return:
    """A return for supplements in a simulated case, and its resumption once the applicant answered."""

    sequence: int
    returned_at: datetime
    reason: str
    resumed_at: datetime | None = None
    paused_hours: float = 0.0
    # The due times after the resumption moved them: the case's, and those of this step and the later ones.
    case_due: datetime | None = None
    step_dues: tuple[tuple[int, datetime], ...] = ()


@dataclass
class _Clock:
    """A simulated case's due times: planned at receipt, moved by each pause for supplements."""

    case: datetime
    steps: dict[int, datetime]
    returns: list[Return] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.planned_case, self.planned = self.case, dict(self.steps)

    def resume(self, sequence: int, resumed_at: datetime, paused: float, holidays: Collection[date]) -> None:
        self.case = add_working_hours(self.case, paused, holidays)
        for later in self.steps:
            if later >= sequence:
                self.steps[later] = add_working_hours(self.steps[later], paused, holidays)
        self.returns[-1] = replace(
            self.returns[-1],
            resumed_at=resumed_at,
            paused_hours=paused,
            case_due=self.case,
            step_dues=tuple((later, due) for later, due in self.steps.items() if later >= sequence),
        )


@dataclass(frozen=True)
class SimulatedStep:
    template_id: int
    sequence: int
    name: str
    role: StepRole
    standard_days: int
    legal_reference_id: int | None


class Plan(NamedTuple):
    """What the simulation decided for one step of a case."""

    step: SimulatedStep
    officer: int
    status: StepStatus
    started: datetime | None = None
    signed: datetime | None = None
    signer: int | None = None
    comment: str | None = None


def generate(
    scale: Scale,
    as_of: datetime,
    holidays: Collection[date],
    seed: int = 1999,
    progress: Callable[[int], None] | None = None,
) -> Dataset:
    return _Generator(scale, as_of.astimezone(SEOUL), frozenset(holidays), random.Random(seed), progress).run()


class _Generator:
    def __init__(
        self,
        scale: Scale,
        as_of: datetime,
        holidays: frozenset[date],
        rng: random.Random,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.scale, self.as_of, self.holidays, self.rng = scale, as_of, holidays, rng
        self.progress = progress or (lambda _: None)
        self.data = Dataset()
        self.ids = Ids()
        self.law_ids: dict[str, int] = {}
        self.lines: dict[int, list[SimulatedStep]] = {}
        # (what a team handles, the district it serves or None for City Hall's) → the team.
        self.teams: dict[tuple[str, str | None], Team] = {}
        # A unit's name below its office ("도시관리국 건축과 건축허가팀"), as task introductions name it.
        self.unit_names: dict[int, str] = {}
        self.officers_shown: dict[int, payloads.OfficerShown] = {}
        self.history: list[PendingEvent] = []

    def run(self) -> Dataset:
        self._organisation()
        self._laws()
        tasks = self._task_types()
        self._cases(tasks)
        self._events()
        self._inspection_teams()
        self._view_tally()
        return self.data

    def _view_tally(self) -> None:
        """When the public documents' views happened, by the hour: each document's are spread over a few moments
        between its registration and `as_of`, most soon after registration (a document is read while it is news).
        Made last, from a generator of its own, so that everything else is the same as without it."""
        documents = [row for row in self.data.rows["document"] if isinstance(row, DocumentRow) and row.view_count]
        rng = random.Random(len(documents))
        hours: Counter[datetime] = Counter()
        for row in documents:
            span = max(self.as_of - row.registered_at, timedelta(0))
            moments = min(row.view_count, VIEW_MOMENTS)
            share, rest = divmod(row.view_count, moments)
            for index in range(moments):
                moment = (row.registered_at + span * rng.random() ** 2).astimezone(UTC)
                hours[moment.replace(minute=0, second=0, microsecond=0)] += share + (index < rest)
        for hour, views in sorted(hours.items()):
            self.data.add("view_tally", ViewTallyRow(Metric.DOCUMENT_VIEWS.value, hour, 0, views))

    def _inspection_teams(self) -> None:
        """Standing inspection teams of two inspectors each, drawn from the officers and supervisors (Seoul's came
        from every bureau). They belong to the audit committee where the scale has one; the demo has none, so they
        belong to its last division and leave that division's teams alone. Made last, from a generator of their
        own, so that everything else is the same as without them."""
        units = [row for row in self.data.rows["department"] if isinstance(row, DepartmentRow)]
        audit = [row for row in units if row.name == "감사위원회"]
        home = audit[0] if audit else [row for row in units if row.level == DepartmentLevel.DIVISION.value][-1]
        staff = [
            row.id
            for row in self.data.rows["officer"]
            if isinstance(row, OfficerRow) and row.role in (OfficerRole.OFFICER.value, OfficerRole.SUPERVISOR.value)
        ]
        teams = min(self.scale.inspection_teams, len(staff) // 2)
        chosen = random.Random(len(staff)).sample(staff, 2 * teams)
        for number in range(1, teams + 1):
            team_id = self.ids.next("inspection_team")
            self.data.add("inspection_team", InspectionTeamRow(team_id, f"상시점검 {number}반", home.id, True))
            for officer_id in chosen[2 * (number - 1) : 2 * number]:
                self.data.add("inspection_team_member", InspectionTeamMemberRow(team_id, officer_id))

    # Organisation -------------------------------------------------------------------------------------------

    def _department(
        self, code: str, name: str, level: DepartmentLevel, parent: tuple[int, str] | None
    ) -> tuple[int, str]:
        department_id = self.ids.next("department")
        path = f"{parent[1] if parent else '/'}{department_id}/"
        phone = f"02-2133-{department_id:04d}"
        self.data.add(
            "department",
            DepartmentRow(
                id=department_id,
                code=code,
                name=name,
                level=level.value,
                parent_id=parent[0] if parent else None,
                path=path,
                phone=phone,
            ),
        )
        return department_id, path

    def _officer(self, department_id: int, title: str, role: OfficerRole = OfficerRole.OFFICER) -> int:
        officer_id = self.ids.next("officer")
        row = OfficerRow(
            id=officer_id,
            employee_no=f"S{officer_id:06d}",
            name=people.officer_name(self.rng),
            title=title,
            department_id=department_id,
            email=people.officer_email(self.rng, officer_id),
            phone=people.officer_phone(1000 + officer_id),
            active=True,
            role=role.value,
        )
        self.data.add("officer", row)
        self.officers_shown[officer_id] = payloads.OfficerShown(id=officer_id, name=row.name, title=title)
        return officer_id

    def _head(self, department_id: int, title: str) -> int:
        head = self._officer(department_id, title, OfficerRole.SUPERVISOR)
        self.data.heads[department_id] = head
        return head

    def _organisation(self) -> None:
        """City Hall, each district's office, and the fire stations and education offices serving those districts
        (seed.seoul); then the staff."""
        city = self._department("SEOUL", "서울특별시", DepartmentLevel.CITY, None)
        # The city's own staff: who keeps the reference data, and who audits.
        self._officer(city[0], "정보화담당관", OfficerRole.ADMINISTRATOR)
        self._officer(city[0], "감사관", OfficerRole.AUDITOR)
        self._units(seoul.CITY_HALL, "SEOUL", city, (), (None,))
        districts = [district for district in seoul.DISTRICTS if district.name in self.scale.districts]
        for district in districts:
            office = self._department(district.code, f"{district.name}청", DepartmentLevel.DISTRICT, city)
            self._head(office[0], "구청장")
            self._units(seoul.DISTRICT_OFFICE, district.code, office, (), (district.name,))
        for agency in seoul.AGENCIES:
            top = self._department(agency.code, agency.name, DepartmentLevel.AGENCY, city)
            self._head(top[0], agency.head)
            served: defaultdict[str, list[seoul.District]] = defaultdict(list)
            for district in districts:
                served[agency.office_of(district)].append(district)
            for name, group in served.items():
                code = f"{agency.code}-{group[0].code}"
                office = self._department(code, name, DepartmentLevel.BUREAU, top)
                head = self._head(office[0], agency.office_head)
                self._units(agency.office_units, code, office, (head,), tuple(d.name for d in group))
        self._staff()

    def _units(
        self,
        units: tuple[seoul.Unit, ...],
        code: str,
        parent: tuple[int, str],
        heads: tuple[int, ...],
        serves: tuple[str | None, ...],
        names: tuple[str, ...] = (),
    ) -> None:
        """`units` under `parent`: the first level below an organisation's top is a bureau, then a division, then
        a team, whose line runs to the heads above it. A team handles the cases of the districts it `serves`
        (None: the tasks the law gives the mayor)."""
        for number, unit in enumerate(units, start=1):
            level = (DepartmentLevel.BUREAU, DepartmentLevel.DIVISION, DepartmentLevel.TEAM)[len(heads)]
            unit_code = f"{code}-{number}"
            department = self._department(unit_code, unit.name, level, parent)
            chain = (self._head(department[0], unit.head), *heads)
            self.unit_names[department[0]] = " ".join((*names, unit.name))
            if unit.handles is not None:
                lead, division_head, bureau_head = chain
                handling = Team(department[0], [], lead, division_head, bureau_head)
                self.teams.update({(unit.handles, district): handling for district in serves})
            self._units(unit.units, unit_code, department, chain, serves, (*names, unit.name))

    def _team(self, spec: TaskSpec, district: str) -> Team:
        """The team that handles `spec` for an address in `district`."""
        return self.teams.get((spec.handled_by, None)) or self.teams[(spec.handled_by, district)]

    def _staff(self) -> None:
        """Two officers in every team (one to work a step, one to take it over), the rest in proportion to the
        cases a team can expect (the task mix and the districts' populations), by largest remainder."""
        load: defaultdict[int, float] = defaultdict(float)
        teams = {team.department_id: team for team in self.teams.values()}
        population = {d.name: d.population for d in seoul.DISTRICTS if d.name in self.scale.districts}
        for spec in TASKS:
            for district, residents in population.items():
                load[self._team(spec, district).department_id] += LINE_WEIGHTS[spec.line] * residents
        spare = self.scale.officers - self.data.count("officer") - TEAM_MINIMUM * len(teams)
        total = sum(load.values())
        shares = {unit: spare * load[unit] / total for unit in teams}
        counts = {unit: TEAM_MINIMUM + int(share) for unit, share in shares.items()}
        by_remainder = sorted(teams, key=lambda unit: (int(shares[unit]) - shares[unit], unit))
        for unit in by_remainder[: self.scale.officers - self.data.count("officer") - sum(counts.values())]:
            counts[unit] += 1
        for unit in sorted(teams):
            team = teams[unit]
            team.staff.extend(self._officer(unit, self.rng.choice(people.TITLES)) for _ in range(counts[unit]))

    # Reference data -----------------------------------------------------------------------------------------

    def _laws(self) -> None:
        for key, law in LAWS.items():
            law_id = self.ids.next("legal_reference")
            self.law_ids[key] = law_id
            self.data.add(
                "legal_reference",
                LegalReferenceRow(
                    id=law_id, law=law.law, article=law.article, title=law.title, excerpt=law.excerpt, url=law.url
                ),
            )

    def _task_types(self) -> list[tuple[int, TaskSpec]]:
        tasks = []
        first_district = self.scale.districts[0]
        for spec in TASKS:
            task_id = self.ids.next("task_type")
            standard_days = max(1, round(spec.statutory_days * 0.7))
            main_law = LAWS[spec.laws[0]]
            # 민원처리법's periods are for petitions: enforcement the city starts itself has none in law.
            in_law = spec.category is not TaskCategory.ENFORCEMENT
            handler = self._team(spec, first_district)
            unit = self.unit_names[handler.department_id]
            where = "서울특별시" if (spec.handled_by, None) in self.teams else OFFICES[spec.handled_by.split(".")[0]]
            description = (
                f"{spec.name} 신청(또는 처분 대상)을 접수하여 "
                f"{main_law.law} {main_law.article}({main_law.title})에 따라 요건을 검토하고 결재선에 따라 처리합니다. "
                f"처리기관은 {where} {unit}입니다({spec.authority}). "
                + (
                    f"법정처리기간은 {spec.statutory_days}일이며, {standard_days}일 이내 처리를 목표로 합니다."
                    if in_law
                    else f"시가 직권으로 하는 처분이라 법정처리기간은 없으며, {spec.statutory_days}일을 처리 한도로, "
                    f"{standard_days}일 이내 처리를 목표로 합니다."
                )
            )
            self.data.add(
                "task_type",
                TaskTypeRow(
                    id=task_id,
                    code=spec.code,
                    name=spec.name,
                    category=spec.category.value,
                    description=description,
                    disclosure_reason=DISCLOSURE_REASONS[spec.category],
                    statutory_days=spec.statutory_days,
                    period_in_law=in_law,
                    standard_days=standard_days,
                    fee=FEES[spec.category],
                    # Online applications go to this unit of the district the address names (resolvers.workflow.
                    # intake); the unit of the first district stands for them all.
                    department_id=handler.department_id,
                ),
            )
            for key in spec.laws:
                self.data.add(
                    "task_type_legal_reference",
                    TaskTypeLegalReferenceRow(task_type_id=task_id, legal_reference_id=self.law_ids[key]),
                )
            self.lines[task_id] = self._line(task_id, spec, standard_days)
            tasks.append((task_id, spec))
        return tasks

    def _line(self, task_id: int, spec: TaskSpec, standard_days: int) -> list[SimulatedStep]:
        steps = LINES[spec.line]
        total_weight = sum(step.weight for step in steps)
        line = []
        for sequence, step in enumerate(steps, start=1):
            days = max(1, round(step.weight * standard_days / total_weight))
            law_key = spec.laws[0] if step.law == "main" else step.law
            law_id = self.law_ids[law_key] if law_key else None
            template_id = self.ids.next("step_template")
            self.data.add(
                "step_template",
                StepTemplateRow(
                    id=template_id,
                    task_type_id=task_id,
                    sequence=sequence,
                    name=step.name,
                    role=step.role.value,
                    standard_days=days,
                    legal_reference_id=law_id,
                ),
            )
            line.append(SimulatedStep(template_id, sequence, step.name, step.role, days, law_id))
        return line

    # Cases --------------------------------------------------------------------------------------------------

    def _receipts(self) -> Iterator[tuple[datetime, bool]]:
        """When each case came in, and whether online: counters take cases on working days in office hours,
        online applications come at any hour."""
        for _ in range(self.scale.cases):
            online = self.rng.random() < ONLINE_SHARE
            while True:
                # Recent cases are denser, so the present holds a realistic share of open work.
                age = timedelta(days=self.scale.span_days * self.rng.random() ** 2)
                day = (self.as_of - age).date()
                if online:
                    moment = datetime.combine(day, time(0), SEOUL) + timedelta(minutes=self.rng.randrange(24 * 60))
                elif is_working_day(day, self.holidays):
                    moment = datetime.combine(day, COUNTER_OPENS, SEOUL) + timedelta(
                        minutes=self.rng.randrange(COUNTER_MINUTES)
                    )
                else:
                    continue
                if moment < self.as_of:
                    yield moment, online
                    break

    def _cases(self, tasks: list[tuple[int, TaskSpec]]) -> None:
        weights = [LINE_WEIGHTS[spec.line] for _, spec in tasks]
        districts = [d for d in seoul.DISTRICTS if d.name in self.scale.districts]
        residents = [d.population for d in districts]
        received = sorted(self._receipts())
        serials: defaultdict[tuple[int, str], int] = defaultdict(int)
        for index, (received_at, online) in enumerate(received):
            task_id, spec = self.rng.choices(tasks, weights)[0]
            district = self.rng.choices(districts, residents)[0]
            serials[(received_at.year, spec.code)] += 1
            receipt_no = f"{received_at.year}-{spec.code}-{serials[(received_at.year, spec.code)]:05d}"
            self._case(task_id, spec, district, receipt_no, received_at, online)
            if index % 500 == 499:
                self.progress(500)
        self.progress(len(received) % 500)

    def _case(
        self,
        task_id: int,
        spec: TaskSpec,
        district: seoul.District,
        receipt_no: str,
        received_at: datetime,
        online: bool,
    ) -> None:
        rng = self.rng
        case_id = self.ids.next("case")
        team = self._team(spec, district.name)
        handler = rng.choice(team.staff) if team.staff else team.lead
        area, address = people.place(rng, district)
        subject = rng.choice(spec.subjects)
        if spec.family in ("FOD", "PHS"):
            subject = people.shop_name(rng, subject)
        title = f"{area} {subject} {spec.name}"
        line = self.lines[task_id]
        # One due-time rule with live intake: every step's due time is planned at receipt, counting the standard
        # days of the steps up to it from the receipt; a pause for supplements moves those still ahead.
        planned_days = list(itertools.accumulate(step.standard_days for step in line))
        clock = _Clock(
            due_at(received_at, spec.statutory_days, self.holidays),
            {
                step.sequence: due_at(received_at, days, self.holidays)
                for step, days in zip(line, planned_days, strict=True)
            },
        )

        withdraw_after = rng.randrange(1, len(line)) if rng.random() < WITHDRAWN_SHARE else None
        # Some cases get stuck on one step (an absent officer, a contested review): they run late.
        stuck_step = rng.randrange(len(line)) + 1 if rng.random() < STUCK_SHARE else None
        # Some applications lack a document: their first review returns them and the applicant supplies it.
        # Enforcement is the city's own action: nothing to supplement.
        asks = spec.category is not TaskCategory.ENFORCEMENT and rng.random() < SUPPLEMENT_SHARE
        moment = received_at
        status, closed_at, result = CaseStatus.IN_PROGRESS, None, None
        paused_at: datetime | None = None
        open_step: int | None = None
        plans: list[Plan] = []
        for step in line:
            officer = {
                StepRole.TEAM_LEAD: team.lead,
                StepRole.DIVISION_HEAD: team.division_head,
                StepRole.BUREAU_HEAD: team.bureau_head,
            }.get(step.role, handler)
            if status is CaseStatus.WITHDRAWN:
                plans.append(Plan(step, officer, StepStatus.SKIPPED))
                continue
            if open_step is not None:
                plans.append(Plan(step, officer, StepStatus.PENDING))
                continue
            if withdraw_after is not None and step.sequence > withdraw_after:
                withdrawn_at = add_working_hours(moment, rng.uniform(1, 30), self.holidays).replace(microsecond=0)
                if withdrawn_at <= self.as_of:
                    status, closed_at, result = CaseStatus.WITHDRAWN, withdrawn_at, "민원인 취하"
                    plans.append(Plan(step, officer, StepStatus.SKIPPED))
                    continue
            started = moment
            work = step.standard_days * 8 * rng.lognormvariate(-0.35, 0.55)
            if step.sequence == stuck_step:
                work *= rng.uniform(3, 8)
            if asks and step.role is StepRole.REVIEW:
                asks = False
                work, moment, awaiting = self._returns(clock, step, started, work)
                if awaiting:
                    last = clock.returns[-1]
                    status, paused_at, open_step = CaseStatus.AWAITING_SUPPLEMENT, last.returned_at, step.sequence
                    plans.append(Plan(step, officer, StepStatus.RETURNED, started, comment=last.reason))
                    continue
            signed = add_working_hours(moment, work, self.holidays).replace(microsecond=0)
            if signed > self.as_of:
                open_step = step.sequence
                # A resumed step shows the reason it was returned for until it is signed, as live steps do.
                reasons = [entry.reason for entry in clock.returns if entry.sequence == step.sequence]
                plans.append(
                    Plan(step, officer, StepStatus.IN_PROGRESS, started, comment=reasons[-1] if reasons else None)
                )
                continue
            signer, comment = officer, self._comment(step.role)
            if step.role is StepRole.TEAM_LEAD and team.staff and rng.random() < 0.05:
                signer, comment = rng.choice(team.staff), "팀장 부재로 대결"
            plans.append(Plan(step, officer, StepStatus.SIGNED, started, signed, signer, comment))
            moment = signed
        if status is CaseStatus.IN_PROGRESS and open_step is None:
            closed_at = moment
            rejected = rng.random() < REJECTED_SHARE
            status = CaseStatus.REJECTED if rejected else CaseStatus.COMPLETED
            result = REJECTIONS[spec.category] if rejected else rng.choice(RESULTS[spec.category])
        step_rows = [self._step_row(case_id, plan, clock) for plan in plans]
        paused = sum(entry.paused_hours for entry in clock.returns)

        case_row = CaseRow(
            id=case_id,
            receipt_no=receipt_no,
            task_type_id=task_id,
            department_id=team.department_id,
            title=title,
            location=address,
            status=status.value,
            received_at=received_at,
            due_at=clock.case,
            closed_at=closed_at,
            result=result,
            clock_paused_at=paused_at,
            working_hours=None
            if closed_at is None
            else durations.worked(received_at, closed_at, paused, self.holidays),
        )
        self.data.add("case", case_row)
        self.data.rows["step"].extend(step_rows)
        self.data.add(
            "applicant",
            ApplicantRow(
                case_id=case_id,
                name=people.applicant_name(rng),
                phone=people.applicant_phone(rng),
                email=people.applicant_email(rng, case_id),
                address=people.place(rng, rng.choice(seoul.DISTRICTS))[1],
                access_code_hash=LOCKED_ACCESS_CODE,
            ),
        )
        first_document, first_action = self.data.count("document"), self.data.count("scheduled_action")
        self._documents(case_id, spec, received_at, handler, step_rows, clock.returns, closed_at, status)
        self._actions(case_id, spec, step_rows, paused_at, closed_at, status)
        self._history(
            case_row,
            spec,
            handler,
            online,
            step_rows,
            clock,
            self.data.rows["document"][first_document:],
            self.data.rows["scheduled_action"][first_action:],
        )

    def _returns(
        self, clock: _Clock, step: SimulatedStep, started: datetime, work: float
    ) -> tuple[float, datetime, bool]:
        """The step returns the case for supplements once, sometimes again: the applicant answers days later and
        the officer resumes it, which gives the pause back to every due time ahead (as `resume` does). Returns
        the work left, the moment it goes on from, and whether the case still waits on the applicant."""
        moment, again = started, True
        while again:
            done = work * self.rng.uniform(0.1, 0.6)
            returned_at = add_working_hours(moment, done, self.holidays).replace(microsecond=0)
            if returned_at > self.as_of:
                break
            clock.returns.append(Return(step.sequence, returned_at, self.rng.choice(SUPPLEMENT_REASONS)))
            answered = returned_at + timedelta(days=self.rng.lognormvariate(1.6, 0.6))
            resumed_at = add_working_hours(answered, 0.25, self.holidays).replace(microsecond=0)
            if resumed_at > self.as_of:
                return work - done, moment, True
            paused = working_hours_between(returned_at, resumed_at, self.holidays)
            clock.resume(step.sequence, resumed_at, paused, self.holidays)
            work, moment, again = work - done, resumed_at, self.rng.random() < RETURNED_AGAIN_SHARE
        return work, moment, False

    def entered(self, occurred: datetime) -> datetime:
        """When an officer typed in what happened at `occurred`: minutes later in working time as a rule, one to
        four working days later for a few (the late entries Seoul's daily check looked for). An entry that would
        fall after `as_of` has not been typed in yet; it is entered on the spot instead, so the seeding moment
        makes no late entries of its own."""
        if self.rng.random() < LATE_ENTRY_SHARE:
            lag = self.rng.uniform(1, 4) * 8
        else:
            lag = self.rng.lognormvariate(1.5, 1.2) / 60
        entered = add_working_hours(occurred, lag, self.holidays)
        return occurred if entered > self.as_of else entered

    def _history(
        self,
        case: CaseRow,
        spec: TaskSpec,
        handler: int,
        online: bool,
        steps: list[StepRow],
        clock: _Clock,
        documents: list[Row],
        actions: list[Row],
    ) -> None:
        """The events the simulated case would have appended, from intake to its state at `as_of`."""
        final, running = CaseStatus(case.status), CaseStatus.IN_PROGRESS
        intake = payloads.ApplicationSubmitted if online else payloads.CaseRegistered
        # (when, tie-break, change): a signature precedes the start of the next step at the same moment.
        timeline: list[tuple[datetime, int, Change]] = [
            (
                case.received_at,
                -1,
                Change(
                    intake(
                        task_type=spec.code,
                        department_id=case.department_id,
                        title=case.title,
                        location=case.location,
                        line=[self._planned(step, clock.planned[step.sequence]) for step in steps],
                    ),
                    case.received_at,
                    None if online else handler,
                    running,
                    steps[0],
                    StepStatus.IN_PROGRESS,
                    lag=not online,
                ),
            ),
        ]
        for step in steps:
            if step.started_at is not None and step.sequence > 1:
                timeline.append(
                    (
                        step.started_at,
                        1,
                        Change(
                            payloads.StepStarted(),
                            step.started_at,
                            step.officer_id,
                            running,
                            step,
                            StepStatus.IN_PROGRESS,
                        ),
                    )
                )
            if step.signed_at is not None:
                acting = None if step.signed_by_id == step.officer_id else step.officer_id
                timeline.append(
                    (
                        step.signed_at,
                        0,
                        Change(
                            payloads.StepSigned(comment=step.comment, acting_for=acting),
                            step.signed_at,
                            step.signed_by_id,
                            running,
                            step,
                            StepStatus.SIGNED,
                        ),
                    )
                )
        by_sequence = {step.sequence: step for step in steps}
        for entry in clock.returns:
            step = by_sequence[entry.sequence]
            returned = payloads.StepReturned(reason=entry.reason)
            timeline.append(
                (
                    entry.returned_at,
                    2,
                    Change(
                        returned,
                        entry.returned_at,
                        step.officer_id,
                        CaseStatus.AWAITING_SUPPLEMENT,
                        step,
                        StepStatus.RETURNED,
                    ),
                )
            )
            if entry.resumed_at is not None:
                resumed = payloads.CaseResumed(
                    paused_working_hours=round(entry.paused_hours, 2),
                    later_steps=[
                        payloads.StepDue(sequence=sequence, due_at=due)
                        for sequence, due in entry.step_dues
                        if sequence > entry.sequence
                    ],
                )
                timeline.append(
                    (
                        entry.resumed_at,
                        2,
                        Change(
                            resumed,
                            entry.resumed_at,
                            step.officer_id,
                            running,
                            step,
                            StepStatus.IN_PROGRESS,
                            dues=entry.step_dues,
                            case_due=entry.case_due,
                        ),
                    )
                )
        for document_id, _, title, kind, public, registered_at, registered_by, _ in documents:
            shown = payloads.DocumentShown(
                id=document_id, kind=DocumentKind(kind), public=public, title=title if public else None
            )
            timeline.append(
                (
                    registered_at,
                    3,
                    Change(payloads.DocumentRegistered(document=shown), registered_at, registered_by, running),
                )
            )
        for action_id, _, description, scheduled_for, _, completed_at in actions:
            action = payloads.ActionShown(id=action_id, description=description, scheduled_for=scheduled_for)
            if completed_at is not None:
                timeline.append(
                    (
                        completed_at,
                        5,
                        Change(payloads.ActionCompleted(action=action), completed_at, handler, final),
                    )
                )
            else:
                # Planned by the officer when the current step started, at the first working moment for an online
                # application's.
                started = max((row.started_at for row in steps if row.started_at), default=case.received_at)
                planned_at = min(add_working_hours(started, 0, self.holidays), self.as_of)
                timeline.append(
                    (
                        planned_at,
                        4,
                        Change(payloads.ActionScheduled(action=action), planned_at, handler, running),
                    )
                )
        if case.closed_at is not None:
            # Ended by the officer whose turn it was: the first step the ending skipped, else the last step.
            skipped = [row for row in steps if row.status == StepStatus.SKIPPED.value]
            closer = (skipped[0] if skipped else steps[-1]).officer_id
            timeline.append(
                (
                    case.closed_at,
                    4,
                    Change(CLOSING_EVENTS[final](result=case.result or ""), case.closed_at, closer, final),
                )
            )
        history = _CaseHistory(self, case, clock)
        for _, _, change in sorted(timeline, key=lambda entry: (entry[0], entry[1])):
            history.add(change)

    def _events(self) -> None:
        """Number the history in recording order (the order commits would have given it), and build its ledger."""
        hashes = []
        for seq, event in enumerate(sorted(self.history, key=lambda e: (e.recorded_at, e.order)), start=1):
            self.data.add(
                "event",
                EventRow(
                    seq=seq,
                    case_id=event.case_id,
                    step_id=event.step_id,
                    type=event.type.value,
                    occurred_at=event.occurred_at,
                    recorded_at=event.recorded_at,
                    actor_officer_id=event.actor_id,
                    payload=json.dumps(event.payload, ensure_ascii=False),
                ),
            )
            content = leaf.encode(
                leaf.content(
                    seq,
                    event.type.value,
                    event.case_id,
                    event.step_id,
                    event.actor_id,
                    event.occurred_at,
                    event.recorded_at,
                    event.payload,
                )
            )
            self.data.add("ledger_leaf", LedgerLeafRow(leaf_index=seq - 1, seq=seq, leaf=content))
            hashes.append(merkle.leaf_hash(content))
        self.data.rows["ledger_node"].extend(
            LedgerNodeRow(level=level, index=index, hash=digest) for level, index, digest in merkle.build(hashes)
        )
        self.history.clear()

    @staticmethod
    def _planned(step: StepRow, due: datetime) -> payloads.PlannedStep:
        """A step as registration planned it, with the due time planned at receipt."""
        return payloads.PlannedStep(
            sequence=step.sequence, name=step.name, role=StepRole(step.role), officer_id=step.officer_id, due_at=due
        )

    def _step_row(self, case_id: int, plan: Plan, clock: _Clock) -> StepRow:
        sequence = plan.step.sequence
        paused = sum(entry.paused_hours for entry in clock.returns if entry.sequence == sequence)
        worked = None
        if plan.started is not None and plan.signed is not None:
            worked = durations.worked(plan.started, plan.signed, paused, self.holidays)
        return StepRow(
            id=self.ids.next("step"),
            case_id=case_id,
            sequence=plan.step.sequence,
            name=plan.step.name,
            role=plan.step.role.value,
            officer_id=plan.officer,
            status=plan.status.value,
            started_at=plan.started,
            due_at=clock.steps[sequence],
            standard_days=plan.step.standard_days,
            signed_at=plan.signed,
            signed_by_id=plan.signer,
            comment=plan.comment,
            legal_basis_id=plan.step.legal_reference_id,
            working_hours=worked,
        )

    def _comment(self, role: StepRole) -> str | None:
        choices = {
            StepRole.REVIEW: ("검토 결과 관계 법령 기준 적합", "일부 보완 후 적합", None),
            StepRole.SITE_INSPECTION: ("현장 확인 결과 신청 내용과 일치", "현장 확인 완료", None),
            StepRole.CONSULTATION: ("관계부서 협의 완료 (조건부 동의)", "관계부서 이견 없음"),
        }.get(role, (None,))
        return self.rng.choice(choices)

    def _document(self, case_id: int, title: str, kind: DocumentKind, public: bool, at: datetime, by: int) -> None:
        views = self.rng.randint(0, 120) if public else 0
        self.data.add(
            "document",
            DocumentRow(
                id=self.ids.next("document"),
                case_id=case_id,
                title=title,
                kind=kind.value,
                is_public=public,
                registered_at=at,
                registered_by_id=by,
                view_count=views,
            ),
        )

    def _documents(
        self,
        case_id: int,
        spec: TaskSpec,
        received_at: datetime,
        handler: int,
        steps: list[StepRow],
        returns: list[Return],
        closed_at: datetime | None,
        status: CaseStatus,
    ) -> None:
        # Application forms and attachments carry the applicant's data: they are registered, never public. The
        # handler registers them at the counter, or an online application's in the first working hour after it.
        filed = min(add_working_hours(received_at, 0, self.holidays), self.as_of)
        self._document(case_id, f"{spec.name} 신청서", DocumentKind.APPLICATION, False, filed, handler)
        attachment = DocumentKind.DRAWING if spec.family in ("BLD", "HSG", "URB") else DocumentKind.OTHER
        self._document(case_id, "구비서류 일체", attachment, False, filed, handler)
        for step in steps:
            if step.signed_at is not None and step.role == StepRole.REVIEW.value:
                self._document(
                    case_id,
                    f"{step.name} 결과 보고서",
                    DocumentKind.REVIEW_REPORT,
                    True,
                    step.signed_at,
                    step.officer_id,
                )
            elif step.signed_at is not None and step.role == StepRole.SITE_INSPECTION.value:
                self._document(
                    case_id, "현장조사서", DocumentKind.INSPECTION_REPORT, True, step.signed_at, step.officer_id
                )
        officers = {step.sequence: step.officer_id for step in steps}
        for entry in returns:
            self._document(
                case_id, "보완요구 통지서", DocumentKind.NOTICE, True, entry.returned_at, officers[entry.sequence]
            )
        if closed_at is not None and status is not CaseStatus.WITHDRAWN:
            self._document(case_id, f"{spec.name} 처리결과 통지서", DocumentKind.DECISION, True, closed_at, handler)

    def _actions(
        self,
        case_id: int,
        spec: TaskSpec,
        steps: list[StepRow],
        paused_at: datetime | None,
        closed_at: datetime | None,
        status: CaseStatus,
    ) -> None:
        def add(description: str, when: datetime, action: ActionStatus, done: datetime | None = None) -> None:
            self.data.add(
                "scheduled_action",
                ScheduledActionRow(
                    id=self.ids.next("scheduled_action"),
                    case_id=case_id,
                    description=description,
                    scheduled_for=when,
                    status=action.value,
                    completed_at=done,
                ),
            )

        if closed_at is not None:
            if status is not CaseStatus.WITHDRAWN:
                add("처리결과 통지", closed_at, ActionStatus.DONE, closed_at)
            return
        current = next(
            step for step in steps if step.status in (StepStatus.IN_PROGRESS.value, StepStatus.RETURNED.value)
        )
        assert current.due_at is not None, "an open step has a due time"
        if paused_at is not None:
            deadline = paused_at + timedelta(days=SUPPLEMENT_DAYS)
            add("보완서류 제출 기한", max(deadline, self.as_of + timedelta(days=1)), ActionStatus.SCHEDULED)
        elif current.role == StepRole.SITE_INSPECTION.value:
            add("현장조사 실시", current.due_at, ActionStatus.SCHEDULED)
        elif spec.category is TaskCategory.ENFORCEMENT and current.role == StepRole.CONSULTATION.value:
            add("청문 실시", current.due_at, ActionStatus.SCHEDULED)
        add("처리결과 통지 예정", max(current.due_at, self.as_of + timedelta(days=1)), ActionStatus.SCHEDULED)


class _CaseHistory:
    """Collects one case's events with recording times that never run backwards within the case."""

    def __init__(self, generator: "_Generator", case: CaseRow, clock: _Clock) -> None:
        self.generator, self.case = generator, case
        self.last_recorded = case.received_at
        # Due times as the events so far left them: planned at receipt until a resumption moves them.
        self.case_due, self.step_dues = clock.planned_case, dict(clock.planned)
        # The case's status as its events leave it: an event that does not change it (a document, an action)
        # records the status the case has then, as the live workflow's do.
        self.status = CaseStatus.RECEIVED

    def add(self, change: "Change") -> None:
        generator, case, step = self.generator, self.case, change.step
        recorded = generator.entered(change.occurred) if change.lag else change.occurred
        recorded = min(max(recorded, self.last_recorded), generator.as_of)
        self.last_recorded = recorded
        if change.details.changes_case_status:
            self.status = change.status
        self.step_dues.update(change.dues)
        self.case_due = change.case_due or self.case_due
        shown_step = None
        if step is not None:
            shown_step = payloads.StepShown(
                sequence=step.sequence,
                name=step.name,
                status=change.step_status or StepStatus(step.status),
                officer_id=step.officer_id,
                due_at=self.step_dues[step.sequence],
            )
        content = payloads.payload(
            change.details,
            actor=generator.officers_shown[change.actor] if change.actor else None,
            case=payloads.CaseShown(receipt_no=case.receipt_no, status=self.status, due_at=self.case_due),
            step=shown_step,
        )
        generator.history.append(
            PendingEvent(
                recorded,
                len(generator.history),
                case.id,
                step.id if step else None,
                change.details.type,
                change.occurred,
                change.actor,
                content,
            )
        )
