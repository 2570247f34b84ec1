"""Alembic migrations of the application store (run from code by :mod:`barrio.store.migrate`)."""
