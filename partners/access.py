"""Role checks for pages and API views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from partners.roles import Role, has_role


def role_required(*roles: Role):
    """Page decorator: anonymous users go to the login page; users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def api_role(*roles: Role) -> type[BasePermission]:
    """A DRF permission class admitting users who hold any of ``roles``."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated) and has_role(
                request.user, *roles
            )

    HasRole.__name__ = "HasRole_" + "_".join(role.value for role in roles)
    return HasRole
