"""Arguments of case lists, apart from the Case type so that every type with a case list can use them."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import case as case_resolvers
from schema.described import described
from schema.enums import CaseStatus
from schema.ids import optional_db_id_for
from schema.time import aware

described(
    case_resolvers.CaseOrder,
    "Orderings of a case list; ties are broken by case, so pages are stable.",
    {
        case_resolvers.CaseOrder.RECEIVED_AT_DESC: "Newest received first.",
        case_resolvers.CaseOrder.RECEIVED_AT_ASC: "Oldest received first.",
        case_resolvers.CaseOrder.DUE_AT_ASC: "Earliest deadline first.",
        case_resolvers.CaseOrder.DUE_AT_DESC: "Latest deadline first.",
    },
    name="CaseOrderBy",
)


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
    overdue_now: bool | None = strawberry.field(
        default=None,
        description="true: only the cases `statistics` counts as `overdueNow`, past their statutory deadline now "
        "while their clock runs (received or in progress: a case awaiting supplements waits on its applicant, and "
        "`isOverdue` also holds for cases closed late); false: only the others.",
    )
    due_from: datetime | None = strawberry.field(
        default=None, description="Only cases due at or after this instant (no offset: Asia/Seoul)."
    )
    due_to: datetime | None = strawberry.field(
        default=None, description="Only cases due before this instant (no offset: Asia/Seoul)."
    )

    def criteria(self, task_type_id: int | None = None) -> case_resolvers.CaseFilter:
        """The resolvers' criteria, IDs checked (`task_type_id` narrows lists under one task type)."""
        return case_resolvers.CaseFilter(
            task_type_id=task_type_id,
            task_type_code=self.task_type_code,
            department_id=optional_db_id_for(self.department_id, "Department", "filter.departmentId"),
            include_subdepartments=self.include_subdepartments,
            statuses=frozenset(self.status or ()),
            received_from=aware(self.received_from),
            received_to=aware(self.received_to),
            officer_id=optional_db_id_for(self.officer_id, "Officer", "filter.officerId"),
            overdue_now=self.overdue_now,
            due_from=aware(self.due_from),
            due_to=aware(self.due_to),
        )


CaseFilterArgument = Annotated[CaseFilter | None, strawberry.argument(description="Criteria the cases must meet.")]
CaseOrderArgument = Annotated[case_resolvers.CaseOrder, strawberry.argument(description="Order of the list.")]
