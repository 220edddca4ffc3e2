"""The common narrowing of dashboard queries: a department (and its units), an officer, a task type."""

from __future__ import annotations

import strawberry
from strawberry import relay

from resolvers.scope import Scope
from schema.ids import optional_db_id_for


@strawberry.input(description="Narrows a dashboard query; every criterion given must hold, none means the whole city.")
class OversightScope:
    department_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only this department (and, by default, the units below it)."
    )
    include_subdepartments: bool = strawberry.field(
        default=True, description="Count the units below `departmentId` too (default true)."
    )
    officer_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this officer's work.")
    task_type_code: str | None = strawberry.field(default=None, description="Only this task type (by code).")

    def to_scope(self, argument: str) -> Scope:
        return Scope(
            department_id=optional_db_id_for(self.department_id, "Department", f"{argument}.departmentId"),
            include_subdepartments=self.include_subdepartments,
            officer_id=optional_db_id_for(self.officer_id, "Officer", f"{argument}.officerId"),
            task_type_code=self.task_type_code,
        )


def scope_of(given: OversightScope | None, argument: str = "filter") -> Scope:
    return Scope() if given is None else given.to_scope(argument)
