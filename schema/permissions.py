"""Field-level permissions for the few private fields of otherwise public types, and administrators' fields."""

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from models import OfficerRole
from schema.info import Info


class HasRole(BasePermission):
    """Lets in officers of one role; the others get FORBIDDEN."""

    role: ClassVar[OfficerRole]
    # Strawberry declares this an instance attribute, so it cannot be a ClassVar here.
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Without a valid token this raises Unauthenticated, reported as such rather than as forbidden.
        officer = await info.context.officer()
        return officer.role is self.role


class IsAuditor(HasRole):
    role = OfficerRole.AUDITOR
    message = "only auditors may read this field"


class IsAdministrator(HasRole):
    role = OfficerRole.ADMINISTRATOR
    message = "only an administrator may do this"
