"""Arguments of case lists, apart from the Case type so that every type with a case list can use them."""

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import case as case_resolvers
from schema.enums import CaseStatus, case_statuses
from schema.ids import optional_db_id_for
from schema.time import aware


@strawberry.enum(description="Orderings of a case list; ties are broken by case, so pages are stable.")
class CaseOrderBy(Enum):
    RECEIVED_AT_DESC = strawberry.enum_value("RECEIVED_AT_DESC", description="Newest received first.")
    RECEIVED_AT_ASC = strawberry.enum_value("RECEIVED_AT_ASC", description="Oldest received first.")
    DUE_AT_ASC = strawberry.enum_value("DUE_AT_ASC", description="Earliest deadline first.")
    DUE_AT_DESC = strawberry.enum_value("DUE_AT_DESC", description="Latest deadline first.")


@strawberry.input(description="Criteria for a case list; every criterion given must hold.")
class CaseFilter:
    task_type_code: str | None = strawberry.field(default=None, description="Only cases of this task type code.")
    department_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only cases handled by this department (and, by default, the units below it)."
    )
    include_subdepartments: bool = strawberry.field(
        default=True, description="With `departmentId`: also count the units below that department."
    )
    status: list[CaseStatus] | None = strawberry.field(default=None, description="Only cases in one of these statuses.")
    received_from: datetime | None = strawberry.field(
        default=None, description="Only cases received at or after this instant (no offset: Asia/Seoul)."
    )
    received_to: datetime | None = strawberry.field(
        default=None, description="Only cases received before this instant (no offset: Asia/Seoul)."
    )
    officer_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only cases with a step assigned to this officer."
    )

    def criteria(self, task_type_id: int | None = None) -> case_resolvers.CaseFilter:
        """The resolvers' criteria, IDs checked (`task_type_id` narrows lists under one task type)."""
        return case_resolvers.CaseFilter(
            task_type_id=task_type_id,
            task_type_code=self.task_type_code,
            department_id=optional_db_id_for(self.department_id, "Department", "filter.departmentId"),
            include_subdepartments=self.include_subdepartments,
            statuses=case_statuses(self.status),
            received_from=aware(self.received_from),
            received_to=aware(self.received_to),
            officer_id=optional_db_id_for(self.officer_id, "Officer", "filter.officerId"),
        )


CaseFilterArgument = Annotated[CaseFilter | None, strawberry.argument(description="Criteria the cases must meet.")]
CaseOrderArgument = Annotated[CaseOrderBy, strawberry.argument(description="Order of the list.")]
