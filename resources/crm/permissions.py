"""Who may send to or update from Xero: finance and admin users only (B38).

Every job that reads from or writes to Xero or the CRM on a person's behalf calls
``require_finance_or_admin`` first, before anything is read, so a refused user learns it at
once and nothing is touched.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from .models import User, UserRole

ALLOWED_ROLES = frozenset({UserRole.FINANCE, UserRole.ADMIN})


class PermissionRefused(Exception):
    """The requesting user may not run this job."""


def require_finance_or_admin(engine: Engine, login: str, action: str) -> User:
    """The CRM user ``login`` if their role is finance or admin; PermissionRefused otherwise."""
    login = (login or "").strip()
    if not login:
        raise PermissionRefused(f"{action}: requested_by is empty; name the CRM user (finance or admin) asking for it")
    with engine.connect() as db:
        user = db.execute(select(User.__table__).where(User.login == login)).first()
    if user is None:
        raise PermissionRefused(f"{action}: '{login}' is not a CRM user")
    if UserRole(user.role) not in ALLOWED_ROLES:
        raise PermissionRefused(
            f"{action}: '{login}' has role {user.role}; only finance and admin users may do this"
        )
    return User(id=user.id, login=user.login, full_name=user.full_name, role=UserRole(user.role))
