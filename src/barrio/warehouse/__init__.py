"""Analytical storage: the DuckDB warehouse (default), and PostgreSQL/PostGIS or Spark as engines.

``duck`` holds the embedded warehouse every ingest writes to; ``engines.open_engine(ws)`` gives
the Ibis backend of the workspace's engine and ``engines.publish(ws, backend)`` copies the
canonical tables there (``postgres``, ``spark``). See docs/engines.md.
"""
