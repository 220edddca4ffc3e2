"""The public read types as PostgreSQL stores them: per GraphQL type, its table and how each field is read.

Every expression is written over `{t}`, the alias of the row; relations over `{t}` (the parent) and `{r}` (the
related row). Orders are the loaders' own (resolvers/dataloaders.py), so both paths list things alike.
"""

from dataclasses import dataclass, field
from enum import Enum

from schema import enums

# Seoul has kept +09:00 all year since 1988, so an instant's Seoul wall time plus this suffix is its ISO form.
SEOUL_OFFSET = "+09:00"


def seoul_time(column: str) -> str:
    """`datetime.isoformat()` of the instant in Asia/Seoul, as Strawberry prints it (microseconds only if any)."""
    local = f"{column} AT TIME ZONE 'Asia/Seoul'"
    return (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM {column})::bigint "
        f"% 1000000 <> 0 THEN to_char({local}, '.US') ELSE '' END || '{SEOUL_OFFSET}'"
    )


def utc_time(column: str) -> str:
    """`datetime.isoformat()` of the instant in UTC (what asyncpg hands Python), for cursors."""
    utc = f"{column} AT TIME ZONE 'UTC'"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM {column})::bigint "
        f"% 1000000 <> 0 THEN to_char({utc}, '.US') ELSE '' END || '+00:00'"
    )


def global_id(type_name: str, column: str) -> str:
    """Relay's global ID: base64 of "Type:id" (PostgreSQL wraps base64 at 76 characters; IDs stay far shorter)."""
    return f"encode(convert_to('{type_name}:' || {column}, 'UTF8'), 'base64')"


def enum_name(enum: type[Enum], column: str) -> str:
    """The GraphQL name of a stored enum value; every public enum names its values by their upper-cased value."""
    for member in enum:
        assert member.name == str(member.value).upper(), f"{enum.__name__}.{member.name} is not its value upper-cased"
    return f"upper({column})"


def past_due(due: str, done: str) -> str:
    """schema.time.past_due, in SQL."""
    return f"({due} IS NOT NULL AND coalesce({done}, now()) > {due})"


@dataclass(frozen=True)
class Relation:
    """Another type reached from a row: `source` is the FROM … WHERE naming the related rows `{r}`."""

    target: str
    source: str
    many: bool = False
    order: str = ""


@dataclass(frozen=True)
class Table:
    type_name: str
    table: str
    scalars: dict[str, str]
    relations: dict[str, Relation] = field(default_factory=dict)


def _table(type_name: str, table: str, scalars: dict[str, str], relations: dict[str, Relation] | None = None) -> Table:
    return Table(type_name, table, {"id": global_id(type_name, "{t}.id"), **scalars}, relations or {})


def _one(target: str, table: str, key: str) -> Relation:
    """The row of `table` whose id is the parent's `key` column."""
    return Relation(target, f'"{table}" {{r}} WHERE {{r}}.id = {{t}}.{key}')


TABLES = {
    table.type_name: table
    for table in (
        _table(
            "Case",
            "case",
            {
                "receiptNo": "{t}.receipt_no",
                "title": "{t}.title",
                "location": "{t}.location",
                "status": enum_name(enums.CaseStatus, "{t}.status"),
                "receivedAt": seoul_time("{t}.received_at"),
                "dueAt": seoul_time("{t}.due_at"),
                "closedAt": seoul_time("{t}.closed_at"),
                "result": "{t}.result",
                "pageViews": "{t}.view_count",
                "isOverdue": past_due("{t}.due_at", "{t}.closed_at"),
            },
            {
                "taskType": _one("TaskType", "task_type", "task_type_id"),
                "department": _one("Department", "department", "department_id"),
                "steps": Relation("Step", "step {r} WHERE {r}.case_id = {t}.id", many=True, order="{r}.sequence"),
                "currentStep": Relation(
                    "Step",
                    "step {r} WHERE {r}.case_id = {t}.id AND {r}.status IN ('in_progress', 'returned') "
                    "ORDER BY {r}.sequence",
                ),
                "documents": Relation(
                    "Document",
                    "document {r} WHERE {r}.case_id = {t}.id AND {r}.is_public",
                    many=True,
                    order="{r}.registered_at, {r}.id",
                ),
                "nextActions": Relation(
                    "ScheduledAction",
                    "scheduled_action {r} WHERE {r}.case_id = {t}.id",
                    many=True,
                    order="{r}.scheduled_for, {r}.id",
                ),
            },
        ),
        _table(
            "Step",
            "step",
            {
                "sequence": "{t}.sequence",
                "name": "{t}.name",
                "role": enum_name(enums.StepRole, "{t}.role"),
                "status": enum_name(enums.StepStatus, "{t}.status"),
                "startedAt": seoul_time("{t}.started_at"),
                "dueAt": seoul_time("{t}.due_at"),
                "signedAt": seoul_time("{t}.signed_at"),
                "comment": "{t}.comment",
                "isOverdue": past_due("{t}.due_at", "{t}.signed_at"),
            },
            {
                "case": _one("Case", "case", "case_id"),
                "officer": _one("Officer", "officer", "officer_id"),
                "signer": _one("Officer", "officer", "signed_by_id"),
                "legalBasis": _one("LegalReference", "legal_reference", "legal_basis_id"),
            },
        ),
        _table(
            "Officer",
            "officer",
            {"name": "{t}.name", "title": "{t}.title", "email": "{t}.email", "phone": "{t}.phone"},
            {"department": _one("Department", "department", "department_id")},
        ),
        _table(
            "Department",
            "department",
            {
                "code": "{t}.code",
                "name": "{t}.name",
                "level": enum_name(enums.DepartmentLevel, "{t}.level"),
                "phone": "{t}.phone",
            },
            {
                "parent": _one("Department", "department", "parent_id"),
                "children": Relation(
                    "Department", "department {r} WHERE {r}.parent_id = {t}.id", many=True, order="{r}.code"
                ),
                "officers": Relation(
                    "Officer", "officer {r} WHERE {r}.department_id = {t}.id", many=True, order="{r}.id"
                ),
            },
        ),
        _table(
            "TaskType",
            "task_type",
            {
                "code": "{t}.code",
                "name": "{t}.name",
                "category": enum_name(enums.TaskCategory, "{t}.category"),
                "description": "{t}.description",
                "disclosureReason": "{t}.disclosure_reason",
                "statutoryDays": "{t}.statutory_days",
                "standardDays": "{t}.standard_days",
            },
            {
                "approvalLine": Relation(
                    "StepTemplate", "step_template {r} WHERE {r}.task_type_id = {t}.id", many=True, order="{r}.sequence"
                ),
                "legalReferences": Relation(
                    "LegalReference",
                    "legal_reference {r} JOIN task_type_legal_reference link ON link.legal_reference_id = {r}.id "
                    "WHERE link.task_type_id = {t}.id",
                    many=True,
                    order="{r}.law, {r}.id",
                ),
            },
        ),
        _table(
            "StepTemplate",
            "step_template",
            {
                "sequence": "{t}.sequence",
                "name": "{t}.name",
                "role": enum_name(enums.StepRole, "{t}.role"),
                "standardDays": "{t}.standard_days",
            },
            {
                "taskType": _one("TaskType", "task_type", "task_type_id"),
                "legalBasis": _one("LegalReference", "legal_reference", "legal_reference_id"),
            },
        ),
        _table(
            "LegalReference",
            "legal_reference",
            {
                "law": "{t}.law",
                "article": "{t}.article",
                "title": "{t}.title",
                "excerpt": "{t}.excerpt",
                "url": "{t}.url",
            },
            {
                "taskTypes": Relation(
                    "TaskType",
                    "task_type {r} JOIN task_type_legal_reference link ON link.task_type_id = {r}.id "
                    "WHERE link.legal_reference_id = {t}.id",
                    many=True,
                    order="{r}.code",
                ),
                "stepTemplates": Relation(
                    "StepTemplate",
                    "step_template {r} WHERE {r}.legal_reference_id = {t}.id",
                    many=True,
                    order="{r}.task_type_id, {r}.sequence",
                ),
            },
        ),
        _table(
            "Document",
            "document",
            {
                "title": "{t}.title",
                "kind": enum_name(enums.DocumentKind, "{t}.kind"),
                "registeredAt": seoul_time("{t}.registered_at"),
                "viewCount": "{t}.view_count",
            },
            {"registeredBy": _one("Officer", "officer", "registered_by_id")},
        ),
        _table(
            "ScheduledAction",
            "scheduled_action",
            {
                "description": "{t}.description",
                "scheduledFor": seoul_time("{t}.scheduled_for"),
                "status": enum_name(enums.ActionStatus, "{t}.status"),
                "completedAt": seoul_time("{t}.completed_at"),
            },
        ),
    )
}
