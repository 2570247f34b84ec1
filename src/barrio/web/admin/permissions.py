"""Who may do what on the admin side: the roles of each action and the object-level rule.

Role checks guard every route (:func:`barrio.web.security.require_role` with the tuples below);
the object-level rule is checked again inside the service for every record touched, so that an
editor cannot reach another institution's recommendation by changing a code in a URL or a body.

======================  =====  =======  ======  ======
action                  admin  analyst  editor  viewer
======================  =====  =======  ======  ======
read admin pages        yes    yes      yes     yes
upload data             yes    yes      no      no
diagnosis findings      yes    yes      no      no
assessment levels       yes    yes      no      no
recommendation status   yes    no       own     no
users, audit log        yes    no       no      no
======================  =====  =======  ======  ======
"""

from __future__ import annotations

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.store.accounts import User
from barrio.store.register import Recommendation

SIGNED_IN = ("admin", "analyst", "editor", "viewer")
DATA = ("admin", "analyst")
STATUS = ("admin", "editor")
ADMIN = ("admin",)


class NotAllowedError(BarrioError):
    """The signed-in user may not act on this record."""

    code = "forbidden"


def may_update_recommendation(user: User, rec: Recommendation) -> bool:
    """Admins update any recommendation; an editor only those their institution is
    responsible for; nobody else."""
    if user.role == "admin":
        return True
    return (
        user.role == "editor"
        and user.institution_id is not None
        and rec.responsible_id == user.institution_id
    )


def check_recommendation(user: User, rec: Recommendation) -> None:
    """Raise :class:`NotAllowedError` unless ``user`` may update ``rec``."""
    if not may_update_recommendation(user, rec):
        raise NotAllowedError(
            _("{user} may not update recommendation {code}", user=user.username, code=rec.code),
            hint=_("Editors update only the recommendations of their own institution."),
            recommendation=rec.code,
        )
