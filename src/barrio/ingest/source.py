"""A tabular source file as one relation DuckDB scans once, numbered by ``__row``.

The ingest reads each file once, in a single streaming pass that parses and validates every
row (see :mod:`barrio.ingest.stage`), instead of first holding the whole file in memory:

- CSV (any encoding) streams through Arrow's incremental CSV reader, every column as text; a
  Python generator adds the 1-based ``__row`` number to each batch;
- Parquet is scanned by DuckDB itself (``read_parquet`` with ``file_row_number``), with its
  columns kept typed: a double stays a double, so it is not printed to text and parsed back
  (the text is made only for a row that has a problem to report);
- Excel, SPSS and Stata files are small: they are read whole, as text
  (:func:`barrio.ingest.readers.read_text_table`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest.parse import literal
from barrio.ingest.readers import (
    CSV_SUFFIXES,
    csv_error,
    csv_layout,
    read_text_table,
)

_BLOCK = 8 << 20  # bytes of CSV per Arrow batch


@dataclass
class Source:
    """A source DuckDB can scan once as ``__raw`` (its columns plus ``__row``).

    ``types`` gives the DuckDB type of every column (``VARCHAR`` for text sources); ``error``
    holds a parse error raised while DuckDB was streaming the file.
    """

    path: Path
    columns: list[str]
    types: dict[str, str]
    encoding: str | None = None
    delimiter: str | None = None
    arrow: pa.RecordBatchReader | pa.Table | None = None
    sql: str | None = None
    errors: list[Exception] = field(default_factory=list)

    def register(self, con: duckdb.DuckDBPyConnection, name: str = "__raw") -> None:
        """Make the source scannable as the relation ``name``."""
        if self.sql is not None:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {self.sql}")
        else:
            con.register(name, self.arrow)

    def release(self, con: duckdb.DuckDBPyConnection, name: str = "__raw") -> None:
        """Forget the source once it has been scanned (frees an in-memory table)."""
        if self.sql is not None:
            con.execute(f"DROP VIEW IF EXISTS {name}")
        else:
            con.unregister(name)
        self.arrow = None

    def parse_error(self) -> InputError | None:
        """The error to report when streaming the file failed part-way, if it did."""
        if not self.errors:
            return None
        return csv_error(self.path, self.errors[0])


def open_source(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Source:
    """Open a tabular file for a single streaming scan (see the module docstring)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_file() and suffix in CSV_SUFFIXES:
        return _open_csv(path, encoding, delimiter)
    if path.is_file() and suffix == ".parquet":
        return _open_parquet(path)
    text = read_text_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    table = text.table.append_column(
        "__row", pa.array(np.arange(1, text.table.num_rows + 1, dtype=np.int64))
    )
    names = text.table.column_names
    return Source(
        path, names, dict.fromkeys(names, "VARCHAR"), text.encoding, text.delimiter, arrow=table
    )


def _open_csv(path: Path, encoding: str | None, delimiter: str | None) -> Source:
    import pyarrow.csv as pacsv

    layout = csv_layout(path, encoding, delimiter, block_size=_BLOCK)
    names = layout.names
    try:
        reader = pacsv.open_csv(
            path,
            read_options=layout.read_options,
            parse_options=layout.parse_options,
            convert_options=layout.convert_options,
        )
    except pa.ArrowInvalid as exc:
        raise csv_error(path, exc) from exc
    source = Source(path, names, dict.fromkeys(names, "VARCHAR"), layout.encoding, layout.delimiter)
    schema = pa.schema([*reader.schema, pa.field("__row", pa.int64())])
    source.arrow = pa.RecordBatchReader.from_batches(
        schema, _numbered(reader, schema, source.errors)
    )
    return source


def _numbered(
    reader: pa.RecordBatchReader, schema: pa.Schema, errors: list[Exception]
) -> Iterator[pa.RecordBatch]:
    """The reader's batches with ``__row`` (1-based data row) appended; keeps parse errors."""
    start = 1
    try:
        for batch in reader:
            rows = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            start += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, rows], schema=schema)
    except pa.ArrowInvalid as exc:
        errors.append(exc)
        raise


def _open_parquet(path: Path) -> Source:
    scan = f"read_parquet({literal(str(path))}, file_row_number = true)"
    try:
        with duckdb.connect() as con:
            described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InputError(
            _("{path}: cannot read as Parquet ({error})", path=path, error=exc),
            hint=_("Check that the file is a complete Parquet file."),
            file=str(path),
        ) from exc
    types = {name: str(kind) for name, kind, *_rest in described if name != "file_row_number"}
    sql = f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS __row FROM {scan}"
    return Source(path, list(types), types, sql=sql)
