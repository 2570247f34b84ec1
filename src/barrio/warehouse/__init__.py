"""Analytical storage: DuckDB by default (PostgreSQL/PostGIS and Spark in later releases)."""
