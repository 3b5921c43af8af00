"""Role checks for DRF views. Roles add powers; any signed-in user can book."""

from rest_framework import status
from rest_framework.permissions import BasePermission

from accounts.models import Role
from accounts.services import audit_event_record_sampled
from core.http import client_ip


class HasRole(BasePermission):
    roles: tuple[str, ...] = ()
    message = "Your role does not allow this action."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


class IsSuperAdmin(HasRole):
    roles = (Role.SUPER_ADMIN,)
    message = "Only super admins can do this."


class IsSeller(HasRole):
    roles = (Role.SELLER,)
    message = "Only approved sellers can do this."


class IsManager(HasRole):
    roles = (Role.MANAGER,)
    message = "Only managers can do this."


class IsSellerOrSuperAdmin(HasRole):
    roles = (Role.SELLER, Role.SUPER_ADMIN)


class AuditDenials:
    """View mixin for the money, role and validation endpoints: refusing a signed-in caller
    (403, whether a permission class, an object check or a service said no) leaves a
    `permission.denied` event, sampled per caller and route (audit_event_record_sampled).
    Unauthenticated calls are not denials of a permission and are not recorded."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        user = self.request.user
        if response.status_code == status.HTTP_403_FORBIDDEN and user.is_authenticated:
            audit_event_record_sampled(
                actor=user,
                action="permission.denied",
                ip=client_ip(self.request),
                route=self.request.resolver_match.route,
                metadata={
                    "method": self.request.method,
                    "path": self.request.path[:200],
                    "code": response.data.get("code", ""),
                },
            )
        return response
