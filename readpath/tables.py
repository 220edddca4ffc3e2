"""The public read types as PostgreSQL stores them: per GraphQL type, its table and how each field is read.

Every expression is written over `{t}`, the alias of the row; relations over `{t}` (the parent) and `{r}` (the
related row). Orders are the loaders' own (resolvers/dataloaders.py), so both paths list things alike.

A plain field named like a column of the type's model is not written here: it is read from that column, as the
Strawberry type reads it from the row's attribute (schema/rows.py). Only what differs from a column is written.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import sqlalchemy
from sqlalchemy.dialects import postgresql
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.private import is_private

import models
from schema import schema as public_schema

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


# SQLAlchemy's dialect constructors carry no annotations.
DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
# Quotes a column name only where PostgreSQL needs it (a reserved word), so the usual names read as written.
_IDENTIFIERS = DIALECT.identifier_preparer


def column_expression(column: sqlalchemy.Column[Any]) -> str:
    """The column as the Strawberry type shows the same-named attribute of its row."""
    read = f"{{t}}.{_IDENTIFIERS.quote(column.name)}"
    if isinstance(column.type, sqlalchemy.Enum) and column.type.enum_class is not None:
        return enum_name(column.type.enum_class, read)
    if isinstance(column.type, sqlalchemy.DateTime):
        # A naive timestamp names no instant, so there would be no Seoul time to show; the models store none.
        assert column.type.timezone, f"{column} is a timestamp without time zone"
        return seoul_time(read)
    return read


def derived_scalars(
    definition: StrawberryObjectDefinition, columns: Mapping[str, sqlalchemy.Column[Any]]
) -> dict[str, str]:
    """Every plain public field of the type whose Python name is a column (`columns`, by attribute name).

    Only basic fields: one with a resolver computes something else, whatever its name, and one with permission
    classes must keep their check, which SQL would skip. Private fields are not in the schema.
    """
    names = public_schema.config.name_converter
    return {
        names.from_field(strawberry_field): column_expression(columns[strawberry_field.python_name])
        for strawberry_field in definition.fields
        if strawberry_field.is_basic_field
        and not is_private(strawberry_field.type)
        and strawberry_field.python_name in columns
    }


def _definition(type_name: str) -> StrawberryObjectDefinition:
    definition = public_schema.get_type_by_name(type_name)
    assert isinstance(definition, StrawberryObjectDefinition), f"{type_name} is no object type of the schema"
    return definition


def _table(
    type_name: str,
    model: type[models.Base],
    written: dict[str, str] | None = None,
    relations: dict[str, Relation] | None = None,
) -> Table:
    """The type read from `model`'s table: its Relay ID, its columns, then `written`, which wins over a column."""
    mapper = sqlalchemy.inspect(model)
    table = mapper.local_table
    assert isinstance(table, sqlalchemy.Table), f"{model.__name__} maps no single table"
    columns = dict(mapper.columns.items())
    scalars = {
        "id": global_id(type_name, "{t}.id"),
        **derived_scalars(_definition(type_name), columns),
        **(written or {}),
    }
    return Table(type_name, table.name, scalars, relations or {})


def _one(target: str, table: str, key: str) -> Relation:
    """The row of `table` whose id is the parent's `key` column."""
    return Relation(target, f'"{table}" {{r}} WHERE {{r}}.id = {{t}}.{key}')


TABLES = {
    table.type_name: table
    for table in (
        _table(
            "Case",
            models.Case,
            {"pageViews": "{t}.view_count", "isOverdue": past_due("{t}.due_at", "{t}.closed_at")},
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
            models.Step,
            # As schema.nodes.step: a skipped step (the case ended before it) is never late, whatever its due time.
            {"isOverdue": "({t}.status <> 'skipped' AND " + past_due("{t}.due_at", "{t}.signed_at") + ")"},
            {
                "case": _one("Case", "case", "case_id"),
                "officer": _one("Officer", "officer", "officer_id"),
                "signer": _one("Officer", "officer", "signed_by_id"),
                "legalBasis": _one("LegalReference", "legal_reference", "legal_basis_id"),
            },
        ),
        _table(
            "Officer",
            models.Officer,
            relations={"department": _one("Department", "department", "department_id")},
        ),
        _table(
            "Department",
            models.Department,
            relations={
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
            models.TaskType,
            relations={
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
            models.StepTemplate,
            relations={
                "taskType": _one("TaskType", "task_type", "task_type_id"),
                "legalBasis": _one("LegalReference", "legal_reference", "legal_reference_id"),
            },
        ),
        _table(
            "LegalReference",
            models.LegalReference,
            relations={
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
            models.Document,
            relations={"registeredBy": _one("Officer", "officer", "registered_by_id")},
        ),
        _table("ScheduledAction", models.ScheduledAction),
    )
}
