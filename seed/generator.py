"""Builds the demo data set in memory as rows ready for COPY, deterministically from a seed and a date.

Each case is simulated through its approval line: steps take a random share of their standard time (some
run late), and whatever the simulated clock had reached at `as_of` decides what is signed, in progress or
pending. Applicants' personal data goes only to the private `applicant` rows.

Every row is a NamedTuple built with keyword arguments, its fields named after the table's columns; `seed.loader`
takes the column order, the load order and what may be left out from the models' metadata.
"""

import json
import random
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
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
from resolvers.statutory_clock import SEOUL, add_working_hours, due_at, is_working_day
from seed import people
from seed.catalog import DISCLOSURE_REASONS, FEES, LAWS, LINES, REJECTIONS, RESULTS, SUBJECTS, TASKS, THEMES, TaskSpec
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
    signed_at: datetime | None
    signed_by_id: int | None
    comment: str | None
    legal_basis_id: int | None


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
}

# Online submissions among the demo cases; the rest were registered at a counter.
ONLINE_SHARE = 0.25
# Entries made days after the fact: the input delays Seoul's daily check looked for.
LATE_ENTRY_SHARE = 0.04

# A locked hash: demo applicants have no usable access code until one is issued to them.
LOCKED_ACCESS_CODE = "!"

LINE_WEIGHTS = {"short": 4.2, "standard": 2.5, "full": 1.2, "enforcement": 1.6, "project": 0.35}
SUPPLEMENT_SHARE = 0.08
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
class SimulatedStep:
    template_id: int
    sequence: int
    name: str
    role: StepRole
    standard_days: int
    legal_reference_id: int | None


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
        self.teams_by_theme: defaultdict[str, list[Team]] = defaultdict(list)
        self.officers_shown: dict[int, payloads.OfficerShown] = {}
        self.history: list[PendingEvent] = []

    def run(self) -> Dataset:
        self._organisation()
        self._laws()
        tasks = self._task_types()
        self._cases(tasks)
        self._events()
        self._inspection_teams()
        return self.data

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
        city = self._department("SEOUL", "서울특별시", DepartmentLevel.CITY, None)
        # The city's own staff: who keeps the reference data, and who audits.
        self._officer(city[0], "정보화담당관", OfficerRole.ADMINISTRATOR)
        self._officer(city[0], "감사관", OfficerRole.AUDITOR)
        bureaus: list[tuple[str, str, str]] = [(theme.key, theme.bureau, theme.word) for theme in THEMES.values()]
        bureaus += FILLER_BUREAUS[: self.scale.filler_bureaus]
        division_suffixes = ("정책과", "심사과", "관리과", "지원과")
        team_suffixes = ("기획팀", "허가팀", "심사팀", "관리팀", "단속팀", "지원팀")
        teams: list[Team] = []
        for b, (key, bureau_name, word) in enumerate(bureaus, start=1):
            bureau = self._department(f"B{b:02d}", bureau_name, DepartmentLevel.BUREAU, city)
            bureau_head = self._head(bureau[0], "국장")
            for d, team_count in enumerate(self.scale.teams_per_division):
                division = self._department(
                    f"B{b:02d}D{d + 1}", f"{word}{division_suffixes[d]}", DepartmentLevel.DIVISION, bureau
                )
                division_head = self._head(division[0], "과장")
                for t in range(team_count):
                    team_id, _ = self._department(
                        f"B{b:02d}D{d + 1}T{t + 1}",
                        f"{word}{team_suffixes[(d + t) % 6]}",
                        DepartmentLevel.TEAM,
                        division,
                    )
                    team = Team(
                        team_id,
                        lead=self._head(team_id, "팀장"),
                        division_head=division_head,
                        bureau_head=bureau_head,
                    )
                    teams.append(team)
                    if key in THEMES:
                        self.teams_by_theme[key].append(team)
        for u, unit in enumerate(STANDALONE_UNITS[: self.scale.standalone_units], start=1):
            unit_id, _ = self._department(f"U{u:02d}", unit, DepartmentLevel.BUREAU, city)
            self._head(unit_id, "담당관")
        staff_total = self.scale.officers - self.data.count("officer")
        for i in range(staff_total):
            team = teams[i % len(teams)]
            team.staff.append(self._officer(team.department_id, self.rng.choice(people.TITLES)))

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
        for spec in TASKS:
            task_id = self.ids.next("task_type")
            standard_days = max(1, round(spec.statutory_days * 0.7))
            main_law = LAWS[spec.laws[0]]
            description = (
                f"{spec.name} 신청(또는 처분 대상)을 접수하여 "
                f"{main_law.law} {main_law.article}({main_law.title})에 따라 요건을 검토하고 결재선에 따라 처리합니다. "
                f"법정처리기간은 {spec.statutory_days}일이며, "
                f"시는 {standard_days}일 이내 처리를 목표로 합니다."
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
                    standard_days=standard_days,
                    fee=FEES[spec.category],
                    # Online applications go to the theme's first team.
                    department_id=self.teams_by_theme[spec.theme.key][0].department_id,
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

    def _received_times(self) -> Iterator[datetime]:
        for _ in range(self.scale.cases):
            # Recent cases are denser, so the present holds a realistic share of open work.
            age = timedelta(days=self.scale.span_days * self.rng.random() ** 2)
            day = (self.as_of - age).date()
            if self.rng.random() < 0.9:
                while not is_working_day(day, self.holidays):
                    day -= timedelta(days=1)
                moment = datetime.combine(day, time(9), SEOUL) + timedelta(minutes=self.rng.randrange(9 * 60))
            else:  # submitted online, at any hour
                moment = datetime.combine(day, time(0), SEOUL) + timedelta(minutes=self.rng.randrange(24 * 60))
            while moment >= self.as_of:
                moment -= timedelta(days=1)
            yield moment

    def _cases(self, tasks: list[tuple[int, TaskSpec]]) -> None:
        weights = [LINE_WEIGHTS[spec.line] for _, spec in tasks]
        received = sorted(self._received_times())
        serials: defaultdict[tuple[int, str], int] = defaultdict(int)
        for index, received_at in enumerate(received):
            task_id, spec = self.rng.choices(tasks, weights)[0]
            serials[(received_at.year, spec.code)] += 1
            receipt_no = f"{received_at.year}-{spec.code}-{serials[(received_at.year, spec.code)]:05d}"
            self._case(task_id, spec, receipt_no, received_at)
            if index % 500 == 499:
                self.progress(500)
        self.progress(len(received) % 500)

    def _case(self, task_id: int, spec: TaskSpec, receipt_no: str, received_at: datetime) -> None:
        rng = self.rng
        case_id = self.ids.next("case")
        team = rng.choice(self.teams_by_theme[spec.theme.key])
        handler = rng.choice(team.staff) if team.staff else team.lead
        area, address = people.place(rng)
        subject = rng.choice(SUBJECTS.get(spec.code, spec.theme.subjects))
        if spec.theme.key in ("FOD", "PHS"):
            subject = people.shop_name(rng, subject)
        title = f"{area} {subject} {spec.name}"

        withdraw_after = rng.randrange(1, len(self.lines[task_id])) if rng.random() < WITHDRAWN_SHARE else None
        # Some cases get stuck on one step (an absent officer, a contested review): they run late.
        stuck_step = rng.randrange(len(self.lines[task_id])) + 1 if rng.random() < STUCK_SHARE else None
        moment = received_at
        status, closed_at, result = CaseStatus.IN_PROGRESS, None, None
        paused_at: datetime | None = None
        open_step: int | None = None
        step_rows: list[StepRow] = []
        for step in self.lines[task_id]:
            officer = {
                StepRole.TEAM_LEAD: team.lead,
                StepRole.DIVISION_HEAD: team.division_head,
                StepRole.BUREAU_HEAD: team.bureau_head,
            }.get(step.role, handler)
            if status is CaseStatus.WITHDRAWN:
                step_rows.append(self._step_row(case_id, step, officer, StepStatus.SKIPPED))
                continue
            if open_step is not None:
                step_rows.append(self._step_row(case_id, step, officer, StepStatus.PENDING))
                continue
            if withdraw_after is not None and step.sequence > withdraw_after:
                withdrawn_at = moment + timedelta(hours=rng.randint(1, 30))
                if withdrawn_at <= self.as_of:
                    status, closed_at, result = CaseStatus.WITHDRAWN, withdrawn_at, "민원인 취하"
                    step_rows.append(self._step_row(case_id, step, officer, StepStatus.SKIPPED))
                    continue
            started, step_due = moment, due_at(moment, step.standard_days, self.holidays)
            pace = rng.lognormvariate(-0.35, 0.55) * (rng.uniform(3, 8) if step.sequence == stuck_step else 1)
            signed = add_working_hours(started, step.standard_days * 8 * pace, self.holidays).replace(microsecond=0)
            if signed > self.as_of:
                open_step = step.sequence
                returned = rng.random() < SUPPLEMENT_SHARE and step.role is not StepRole.RECEIPT
                if returned:
                    status, paused_at = CaseStatus.AWAITING_SUPPLEMENT, max(started, self.as_of - timedelta(days=1))
                step_rows.append(
                    self._step_row(
                        case_id,
                        step,
                        officer,
                        StepStatus.RETURNED if returned else StepStatus.IN_PROGRESS,
                        started,
                        step_due,
                        comment="구비서류 보완 요청" if returned else None,
                    )
                )
                continue
            signer, comment = officer, self._comment(step.role)
            if step.role is StepRole.TEAM_LEAD and team.staff and rng.random() < 0.05:
                signer, comment = rng.choice(team.staff), "팀장 부재로 대결"
            step_rows.append(
                self._step_row(case_id, step, officer, StepStatus.SIGNED, started, step_due, signed, signer, comment)
            )
            moment = signed
        if status is CaseStatus.IN_PROGRESS and open_step is None:
            closed_at = moment
            rejected = rng.random() < REJECTED_SHARE
            status = CaseStatus.REJECTED if rejected else CaseStatus.COMPLETED
            result = REJECTIONS[spec.category] if rejected else rng.choice(RESULTS[spec.category])

        case_row = CaseRow(
            id=case_id,
            receipt_no=receipt_no,
            task_type_id=task_id,
            department_id=team.department_id,
            title=title,
            location=address,
            status=status.value,
            received_at=received_at,
            due_at=due_at(received_at, spec.statutory_days, self.holidays),
            closed_at=closed_at,
            result=result,
            clock_paused_at=paused_at,
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
                address=people.place(rng)[1],
                access_code_hash=LOCKED_ACCESS_CODE,
            ),
        )
        first_document, first_action = self.data.count("document"), self.data.count("scheduled_action")
        self._documents(case_id, spec, received_at, handler, step_rows, closed_at, status)
        self._actions(case_id, spec, step_rows, closed_at, status)
        self._history(
            case_row,
            spec,
            handler,
            step_rows,
            self.data.rows["document"][first_document:],
            self.data.rows["scheduled_action"][first_action:],
        )

    def entry_lag(self) -> timedelta:
        if self.rng.random() < LATE_ENTRY_SHARE:
            return timedelta(hours=self.rng.uniform(24, 96))
        return timedelta(minutes=self.rng.lognormvariate(1.5, 1.2))

    def _history(
        self,
        case: CaseRow,
        spec: TaskSpec,
        handler: int,
        steps: list[StepRow],
        documents: list[Row],
        actions: list[Row],
    ) -> None:
        """The events the simulated case would have appended, from intake to its state at `as_of`."""
        final, running = CaseStatus(case.status), CaseStatus.IN_PROGRESS
        online = self.rng.random() < ONLINE_SHARE
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
                        line=[self._planned(step, first=step is steps[0]) for step in steps],
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
            if step.status == StepStatus.RETURNED.value and case.clock_paused_at is not None:
                timeline.append(
                    (
                        case.clock_paused_at,
                        2,
                        Change(
                            payloads.StepReturned(reason=step.comment or ""),
                            case.clock_paused_at,
                            step.officer_id,
                            CaseStatus.AWAITING_SUPPLEMENT,
                            step,
                            StepStatus.RETURNED,
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
                planned_at = max((row.started_at for row in steps if row.started_at), default=case.received_at)
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
        history = _CaseHistory(self, case)
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
    def _planned(step: StepRow, first: bool) -> payloads.PlannedStep:
        """A step as registration planned it: simulated steps get their due time when they start, and only the
        first starts at registration."""
        return payloads.PlannedStep(
            sequence=step.sequence,
            name=step.name,
            role=StepRole(step.role),
            officer_id=step.officer_id,
            due_at=step.due_at if first else None,
        )

    def _step_row(
        self,
        case_id: int,
        step: SimulatedStep,
        officer: int,
        status: StepStatus,
        started: datetime | None = None,
        step_due: datetime | None = None,
        signed: datetime | None = None,
        signer: int | None = None,
        comment: str | None = None,
    ) -> StepRow:
        return StepRow(
            id=self.ids.next("step"),
            case_id=case_id,
            sequence=step.sequence,
            name=step.name,
            role=step.role.value,
            officer_id=officer,
            status=status.value,
            started_at=started,
            due_at=step_due,
            signed_at=signed,
            signed_by_id=signer,
            comment=comment,
            legal_basis_id=step.legal_reference_id,
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
        closed_at: datetime | None,
        status: CaseStatus,
    ) -> None:
        # Application forms and attachments carry the applicant's data: they are registered, never public.
        self._document(case_id, f"{spec.name} 신청서", DocumentKind.APPLICATION, False, received_at, handler)
        attachment = DocumentKind.DRAWING if spec.theme.key in ("BLD", "HSG", "URB") else DocumentKind.OTHER
        self._document(case_id, "구비서류 일체", attachment, False, received_at, handler)
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
            elif step.status == StepStatus.RETURNED.value and step.started_at is not None:
                self._document(
                    case_id,
                    "보완요구 통지서",
                    DocumentKind.NOTICE,
                    True,
                    max(step.started_at, self.as_of - timedelta(days=1)),
                    step.officer_id,
                )
        if closed_at is not None and status is not CaseStatus.WITHDRAWN:
            self._document(case_id, f"{spec.name} 처리결과 통지서", DocumentKind.DECISION, True, closed_at, handler)

    def _actions(
        self, case_id: int, spec: TaskSpec, steps: list[StepRow], closed_at: datetime | None, status: CaseStatus
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
        if status is CaseStatus.AWAITING_SUPPLEMENT:
            add("보완서류 제출 기한", self.as_of + timedelta(days=self.rng.randint(3, 14)), ActionStatus.SCHEDULED)
        elif current.role == StepRole.SITE_INSPECTION.value:
            add("현장조사 실시", current.due_at, ActionStatus.SCHEDULED)
        elif spec.category is TaskCategory.ENFORCEMENT and current.role == StepRole.CONSULTATION.value:
            add("청문 실시", current.due_at, ActionStatus.SCHEDULED)
        add("처리결과 통지 예정", max(current.due_at, self.as_of + timedelta(days=1)), ActionStatus.SCHEDULED)


class _CaseHistory:
    """Collects one case's events with recording times that never run backwards within the case."""

    def __init__(self, generator: "_Generator", case: CaseRow) -> None:
        self.generator, self.case = generator, case
        self.last_recorded = case.received_at
        # The case's status as its events leave it: an event that does not change it (a document, an action)
        # records the status the case has then, as the live workflow's do.
        self.status = CaseStatus.RECEIVED

    def add(self, change: "Change") -> None:
        generator, case, step = self.generator, self.case, change.step
        recorded = change.occurred + generator.entry_lag() if change.lag else change.occurred
        recorded = min(max(recorded, self.last_recorded), generator.as_of)
        self.last_recorded = recorded
        if change.details.changes_case_status:
            self.status = change.status
        shown_step = None
        if step is not None:
            shown_step = payloads.StepShown(
                sequence=step.sequence,
                name=step.name,
                status=change.step_status or StepStatus(step.status),
                officer_id=step.officer_id,
                due_at=step.due_at,
            )
        content = payloads.payload(
            change.details,
            actor=generator.officers_shown[change.actor] if change.actor else None,
            case=payloads.CaseShown(receipt_no=case.receipt_no, status=self.status, due_at=case.due_at),
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


FILLER_BUREAUS: tuple[tuple[str, str, str], ...] = tuple(
    (f"F{i}", name, word)
    for i, (name, word) in enumerate(
        [
            ("기획조정실", "기획"),
            ("행정국", "행정"),
            ("재무국", "재무"),
            ("경제정책실", "경제"),
            ("복지실", "복지"),
            ("여성가족정책실", "가족"),
            ("평생교육국", "교육"),
            ("시민소통기획관", "소통"),
            ("감사위원회", "감사"),
            ("일자리정책관", "일자리"),
            ("관광체육국", "체육"),
            ("디지털도시국", "정보"),
            ("균형발전본부", "균형발전"),
        ]
    )
)
STANDALONE_UNITS = ("대변인", "비상기획관", "시민감사옴부즈만위원회", "서울시인권담당관")
