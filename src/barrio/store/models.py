"""Import every model module so that ``Base.metadata`` describes the whole store.

Alembic (autogenerate, ``compare_metadata``) and :func:`barrio.store.session.open_store` import
this module. The register's and the portal's models are always there; the diagnosis and
assessment models (revision ``0002_diagnosis``) are imported when their modules exist.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from barrio.store import accounts, portal, register, trail
from barrio.store.base import Base

# Model modules owned by other parts of the audit workflow; skipped while they do not exist.
OPTIONAL_MODULES = ("barrio.store.diagnosis", "barrio.store.assessment")


def _import_optional() -> None:
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_import_optional()
__all__ = ["Base", "accounts", "metadata", "portal", "register", "trail"]


def metadata() -> MetaData:
    """The metadata of every model (what the migrations at head must create)."""
    return Base.metadata
