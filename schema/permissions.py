"""Field-level permissions for the few private fields of otherwise public types."""

from typing import Any

from strawberry.permission import BasePermission

from models import OfficerRole
from schema.info import Info


class IsAuditor(BasePermission):
    message = "only auditors may read this field"
    # Strawberry declares this an instance attribute, so it cannot be a ClassVar here.
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Without a valid token this raises Unauthenticated, reported as such rather than as forbidden.
        officer = await info.context.officer()
        return officer.role is OfficerRole.AUDITOR
