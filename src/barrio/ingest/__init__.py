"""Ingestion: read any source file, validate every row, classify, assign to areas, load.

Every run reconciles: rows read = rows accepted + rows rejected, and every problem is written to
``rejects/<run>.csv`` with its row number, column, value, reason and the action taken.
"""
