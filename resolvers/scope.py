"""Who a list is about: a department (with the units below it), an officer, a task type.

One definition of the department subtree (by materialised path) and the task type code, for the case list, the
dashboards, delays and audit findings alike.
"""

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


def in_department(
    column: SQLColumnExpression[int], department_id: int | None, include_subdepartments: bool = True
) -> list[ColumnElement[bool]]:
    """`column` (a department id) is the department, or lies below it when subunits count."""
    if department_id is None:
        return []
    if not include_subdepartments:
        return [column == department_id]
    own_path = select(Department.path).where(Department.id == department_id).scalar_subquery()
    return [column.in_(select(Department.id).where(Department.path.startswith(own_path, autoescape=False)))]


def of_task_type(column: SQLColumnExpression[int], code: str | None) -> list[ColumnElement[bool]]:
    """`column` (a task type id) is the task type with this code."""
    if code is None:
        return []
    return [column == select(TaskType.id).where(TaskType.code == code).scalar_subquery()]


def scoped(
    department: SQLColumnExpression[int], task_type: SQLColumnExpression[int], scope: Scope
) -> list[ColumnElement[bool]]:
    """The scope's department and task type criteria on these columns (the officer is each list's own matter)."""
    return [
        *in_department(department, scope.department_id, scope.include_subdepartments),
        *of_task_type(task_type, scope.task_type_code),
    ]
