"""Role checks for DRF views. Roles add powers; any signed-in user can book."""

from rest_framework.permissions import BasePermission

from accounts.models import Role


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
