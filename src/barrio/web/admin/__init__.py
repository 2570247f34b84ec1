"""The portal's admin side: sign-in, the ``/admin`` pages, the write API, evidence downloads.

:func:`routers` gives :func:`barrio.web.app.create_app` every router; the security package
(:func:`barrio.web.security.install`) must be installed on the same app. Who may call what is in
:mod:`barrio.web.admin.permissions`.
"""

from __future__ import annotations

from typing import Any


def routers() -> list[Any]:
    """The admin routers: /login and /logout, /admin/..., /api/v1/admin/..., /evidence/..."""
    from barrio.web.admin import accounts, api, downloads, login, pages

    return [login.router, pages.router, accounts.router, api.router, downloads.router]
