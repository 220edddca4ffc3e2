"""Who a dashboard query is about: a department (with the units below it), an officer, a task type."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, select

from models import Department, TaskType


@dataclass(frozen=True)
class Scope:
    """Every criterion given must hold; none given means the whole city."""

    department_id: int | None = None
    include_subdepartments: bool = True
    officer_id: int | None = None
    task_type_code: str | None = None


def in_department(column: SQLColumnExpression[int], scope: Scope) -> list[ColumnElement[bool]]:
    """`column` (a department id) lies in the scope's department, or below it when subunits count."""
    if scope.department_id is None:
        return []
    if not scope.include_subdepartments:
        return [column == scope.department_id]
    own_path = select(Department.path).where(Department.id == scope.department_id).scalar_subquery()
    return [column.in_(select(Department.id).where(Department.path.startswith(own_path, autoescape=False)))]


def of_task_type(column: SQLColumnExpression[int], scope: Scope) -> list[ColumnElement[bool]]:
    if scope.task_type_code is None:
        return []
    return [column == select(TaskType.id).where(TaskType.code == scope.task_type_code).scalar_subquery()]
