from branches.permissions import Perm, has_any_role, orgs_where
from inspections.selectors import unread_count


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_has_role": has_any_role(user),
        "nav_can_manage_orgs": orgs_where(user, Perm.MANAGE_ORGS).exists(),
        "nav_member": getattr(user, "member", None),
        "nav_unread": unread_count(user),
    }
