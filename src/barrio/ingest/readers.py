"""Readers for tabular and geographic source files.

Tabular files (CSV, Excel, Parquet, SPSS, Stata) are read with every column as text so that
validation sees exactly what the user gave and can report the bad value; geographic files
(GeoPackage, GeoJSON, Shapefile, GeoParquet) come back as GeoDataFrames.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from barrio.errors import InputError
from barrio.i18n import _

if TYPE_CHECKING:
    import geopandas as gpd

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
GEO_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".geoparquet"}
DELIMITERS = ",;\t|"
_SAMPLE = 1 << 20  # 1 MiB sample for delimiter sniffing


@dataclass(frozen=True)
class TextTable:
    """A source read as text: an Arrow table of string columns plus how it was decoded."""

    table: pa.Table
    encoding: str | None = None
    delimiter: str | None = None


def detect_encoding(path: Path) -> str:
    """Encoding of a text file: UTF-8 (with or without BOM), else cp1252, else Latin-1.

    The whole file is checked incrementally (a Latin-1 accent may appear on the last line), at
    memory-bandwidth speed. cp1252 is tried before Latin-1 because Mexican government files
    exported from Windows use it (curly quotes, en dashes); Latin-1 accepts any byte.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(path):
        return "utf-8"
    if _decodes(path, "cp1252"):
        return "cp1252"
    return "latin-1"


def _is_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8, checked by Arrow's vectorised validator.

    Each chunk is cut before a character that may continue into the next chunk; those last
    bytes are carried over.
    """
    carry = b""
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            data = carry + chunk if carry else chunk
            cut = _last_boundary(data)
            if not _valid_utf8(memoryview(data)[:cut]):
                return False
            carry = data[cut:]
    return _valid_utf8(memoryview(carry))


def _last_boundary(data: bytes) -> int:
    """Position before the last (lead byte + continuation bytes) run: a safe place to cut."""
    end = len(data)
    back = 0
    while back < 3 and end - back > 0 and data[end - back - 1] & 0xC0 == 0x80:
        back += 1
    if end - back > 0 and data[end - back - 1] >= 0xC0:
        return end - back - 1
    return end


def _valid_utf8(data: memoryview) -> bool:
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    text = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(8 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_delimiter(sample: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the sample's lines most consistently."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def read_text_table(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> TextTable:
    """Read a tabular file with every column as text (empty cells become null)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            _("file not found: {path}", path=path),
            hint=_("Check the path."),
            file=str(path),
        )
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, encoding, delimiter)
    if suffix in EXCEL_SUFFIXES:
        return TextTable(_read_excel(path, sheet))
    if suffix == ".parquet":
        return TextTable(_as_text(_read_parquet(path)))
    if suffix in (".sav", ".dta", ".zsav"):
        return TextTable(_read_stats_file(path))
    raise InputError(
        _("cannot read {path}: unknown file type {suffix}", path=path, suffix=suffix or "-"),
        hint=_("Use CSV, Excel (.xlsx), Parquet, SPSS (.sav) or Stata (.dta)."),
        file=str(path),
    )


@dataclass(frozen=True)
class CsvLayout:
    """A CSV file's encoding, delimiter, column names and the Arrow options that read it as text."""

    encoding: str
    delimiter: str
    names: list[str]
    read_options: Any
    parse_options: Any
    convert_options: Any


def csv_layout(
    path: Path, encoding: str | None, delimiter: str | None, block_size: int
) -> CsvLayout:
    """Detect encoding and delimiter, read the header, and build Arrow's reading options.

    Every column is read as text (nulls for empty cells); validation types them later.
    """
    import pyarrow.csv as pacsv

    encoding = encoding or detect_encoding(path)
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(_SAMPLE)
    delimiter = delimiter or detect_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    if not header:
        raise InputError(
            _("{path} is empty", path=path),
            hint=_("Give a file with a header row."),
            file=str(path),
        )
    names = _unique_names(header)
    arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    return CsvLayout(
        encoding,
        delimiter,
        names,
        pacsv.ReadOptions(
            encoding=arrow_encoding, column_names=names, skip_rows=1, block_size=block_size
        ),
        pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )


def csv_error(path: Path, exc: Exception) -> InputError:
    """The message for a file Arrow cannot parse as CSV."""
    return InputError(
        _("{path}: cannot parse as CSV ({error})", path=path, error=str(exc).splitlines()[0]),
        hint=_("Check the delimiter and quoting; pass --delimiter or --encoding if needed."),
        file=str(path),
    )


def _read_csv(path: Path, encoding: str | None, delimiter: str | None) -> TextTable:
    import pyarrow.csv as pacsv

    layout = csv_layout(path, encoding, delimiter, block_size=64 << 20)
    try:
        table = pacsv.read_csv(
            path,
            read_options=layout.read_options,
            parse_options=layout.parse_options,
            convert_options=layout.convert_options,
        )
    except pa.ArrowInvalid as exc:
        raise csv_error(path, exc) from exc
    return TextTable(table, encoding=layout.encoding, delimiter=layout.delimiter)


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for raw in header:
        name = raw.strip().lstrip("\ufeff") or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _read_excel(path: Path, sheet: str | None) -> pa.Table:
    """Excel cells to text; real date cells become ISO dates (``2023-01-31``)."""
    import datetime as dt

    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
    except KeyError:
        raise InputError(
            _(
                "{path} has no sheet {sheet}; sheets: {sheets}",
                path=path,
                sheet=sheet,
                sheets=", ".join(wb.sheetnames),
            ),
            hint=_('Set sheet = "NAME" in the mapping.'),
            file=str(path),
        ) from None
    rows = ws.iter_rows(values_only=True)
    header = _unique_names([str(h) if h is not None else "" for h in next(rows, ())])
    columns: list[list[str | None]] = [[] for _ in header]

    def text(value: object) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    for row in rows:
        for i in range(len(header)):
            columns[i].append(text(row[i]) if i < len(row) else None)
    wb.close()
    return pa.table(
        {name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=True)}
    )


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _read_stats_file(path: Path) -> pa.Table:
    import pyreadstat

    reader = (
        pyreadstat.read_sav if path.suffix.lower() in (".sav", ".zsav") else pyreadstat.read_dta
    )
    frame, _meta = reader(str(path))
    return _as_text(pa.Table.from_pandas(frame, preserve_index=False))


def _as_text(table: pa.Table) -> pa.Table:
    """Cast every column to text; dates keep ISO form, floats that are integers lose '.0'."""
    import pyarrow.compute as pc

    out = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_floating(col.type):
            as_int = pc.cast(col, pa.int64(), safe=False)
            whole = pc.equal(pc.cast(as_int, col.type), col)
            col = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(col, pa.string()))
        elif pa.types.is_timestamp(col.type):
            col = pc.strftime(
                pc.cast(col, pa.timestamp("s"), safe=False), format="%Y-%m-%dT%H:%M:%S"
            )
        elif not pa.types.is_string(col.type):
            col = pc.cast(col, pa.string())
        out[name] = col
    return pa.table(out)


def read_geo(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a geographic file (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet)."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputError(
            _("file not found: {path}", path=path), hint=_("Check the path."), file=str(path)
        )
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several unrelated types
        raise InputError(
            _("cannot read {path} as geodata: {error}", path=path, error=exc),
            hint=_("Use GeoPackage, GeoJSON, Shapefile or GeoParquet; name the layer if several."),
            file=str(path),
        ) from exc
