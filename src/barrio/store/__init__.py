"""Application records (SQLAlchemy 2 + Alembic): users, diagnosis, recommendations, assessments.

SQLite in the workspace (``barrio.db``) by default, PostgreSQL on a server. Unlike the analytical
warehouse these records are edited one at a time, so they live in a transactional store with
migrations and an audit trail.
"""
