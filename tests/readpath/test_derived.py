"""A plain column is declared once in the model and once as a GraphQL field: both read paths take it from there.

A throwaway type and table stand for a model that gains a column (TaskType's `fee`, say): the compiled path
derives its SQL from the column's type, and `from_row` fills the Strawberry field from the row's attribute.
"""

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text
from strawberry.permission import BasePermission
from strawberry.types.base import get_object_definition

from models.enums import TaskCategory, checked
from readpath.tables import derived_scalars, seoul_time
from schema.rows import from_row

TABLE = Table(
    "throwaway",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("code", String(16)),
    Column("fee", Text, nullable=True),
    Column("category", checked(TaskCategory)),
    Column("opened_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("order", Integer),
    Column("secret", Text),
    Column("guarded", Text),
    Column("raw_count", Integer),
)


class Nobody(BasePermission):
    message = "no one"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Throwaway:
    code: str = strawberry.field(description="A column of the same name.")
    fee: str | None = strawberry.field(description="The new nullable text column.")
    category: TaskCategory = strawberry.field(description="An enum column.")
    opened_at: datetime = strawberry.field(description="A timestamp column.")
    order: int = strawberry.field(description="A column named by a reserved word.")
    count: int = strawberry.field(description="Read from `raw_count`: not derived.")
    guarded: str = strawberry.field(description="Checked by a permission: not derived.", permission_classes=[Nobody])
    secret: strawberry.Private[str]
    closed_at: datetime | None = strawberry.field(
        resolver=lambda: None, description="Computed, though a column has its name: not derived."
    )


def test_a_plain_field_named_like_a_column_is_read_from_it() -> None:
    derived = derived_scalars(get_object_definition(Throwaway, strict=True), dict(TABLE.columns.items()))
    assert derived == {
        "code": "{t}.code",
        "fee": "{t}.fee",
        "category": "upper({t}.category)",
        "openedAt": seoul_time("{t}.opened_at"),
        "order": '{t}."order"',
    }


def test_from_row_takes_every_init_field_from_the_row_but_the_overrides() -> None:
    opened = datetime(2026, 3, 1, tzinfo=UTC)
    row = SimpleNamespace(
        code="FEE", fee=None, category=TaskCategory.PERMIT, opened_at=opened, order=2, guarded="g", secret="s"
    )
    built = from_row(Throwaway, row, count=7)
    assert built == Throwaway(
        code="FEE", fee=None, category=TaskCategory.PERMIT, opened_at=opened, order=2, count=7, guarded="g", secret="s"
    )


def test_from_row_names_the_field_a_row_cannot_fill() -> None:
    row = SimpleNamespace(code="FEE", fee=None, category=TaskCategory.PERMIT, order=2, guarded="g", secret="s")
    with pytest.raises(AttributeError, match=r"Throwaway\.opened_at: .* pass opened_at=… to from_row"):
        from_row(Throwaway, row, count=7)
