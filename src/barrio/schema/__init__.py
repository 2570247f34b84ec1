"""Canonical analytical tables: columns, types and what each column means.

The DuckDB DDL, the validation rules and the documentation all derive from these definitions, so
a column is declared once.
"""

from barrio.schema.tables import TABLES, Column, Table, table

__all__ = ["TABLES", "Column", "Table", "table"]
