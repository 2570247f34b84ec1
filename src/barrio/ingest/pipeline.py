"""The ingest pipeline for tabular sources: population, incidents and counts.

read (text) -> stage (typed columns + checks) -> kind-specific steps (coordinates, ICCS
classification, spatial assignment) -> duplicates -> compare with the warehouse -> load, all in
one DuckDB transaction: a run that fails part-way leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from barrio.config import SourceMapping, resolve_mapping
from barrio.errors import BarrioError, IngestError
from barrio.i18n import _
from barrio.ingest import categories, names, parse
from barrio.ingest import incidents as incident_steps
from barrio.ingest.locate import Locator, location_checks, locator_for
from barrio.ingest.options import CountOptions, count_options
from barrio.ingest.problems import REJECTED, fix, message
from barrio.ingest.result import IngestResult
from barrio.ingest.source import Source, open_source
from barrio.ingest.stage import (
    Check,
    checked_columns,
    column_checks,
    input_columns,
    raw_texts,
    rejecting_bits,
    resolve_columns,
    stage_select,
    validated_select,
)
from barrio.ingest.wide import unpivot_months
from barrio.schema.tables import table
from barrio.warehouse.duck import connect
from barrio.workspace import Workspace

Step = Callable[[str], None]

PROBLEMS_DDL = """
CREATE TEMP TABLE __problems (
  row BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR, action VARCHAR, related_row BIGINT
)"""


def new_run_id(kind: str) -> str:
    """A sortable, unique run identifier: ``20261121T101500-incidents-1a2b3c``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{kind}-{uuid.uuid4().hex[:6]}"


def file_sha256(path: Path) -> str:
    """Content hash of a source file (recorded in the run manifest)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_table(
    workspace: Workspace,
    kind: str,
    path: Path,
    *,
    mapping: str | None = None,
    today: dt.date | None = None,
    step: Step | None = None,
) -> IngestResult:
    """Load a population, incidents or counts file into the workspace warehouse.

    Parameters
    ----------
    workspace
        The workspace to load into.
    kind
        ``population``, ``incidents`` or ``counts``.
    path
        CSV (any encoding, any common delimiter), Excel, Parquet, SPSS or Stata file.
    mapping
        Name of a mapping in barrio.toml or shipped with Barrio, or a path to a mapping TOML.
    today
        Dates after this are rejected as future (default: today).
    step
        Called with the name of each step (drives a progress bar).
    """
    started = time.perf_counter()
    step = step or (lambda _name: None)
    spec = resolve_mapping(mapping, kind, workspace.config)
    options = count_options(mapping, kind, workspace.config)
    path = Path(path)
    run = IngestResult(run_id=new_run_id(kind), kind=kind, file=str(path), mapping=spec.name)
    step(_("reading"))
    source = open_source(path, encoding=spec.encoding, delimiter=spec.delimiter, sheet=spec.sheet)
    run.encoding, run.delimiter = source.encoding, source.delimiter
    digest = _hash_in_background(path)
    with connect(workspace.warehouse_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _run(con, workspace, spec, options, source, run, today or dt.date.today(), step)
            _record_run(con, run, spec, path, digest.result())
            con.execute("COMMIT")
        except BaseException as exc:
            con.execute("ROLLBACK")
            if isinstance(exc, BarrioError | KeyboardInterrupt):
                raise
            parse_error = source.parse_error()
            if parse_error is not None:
                raise parse_error from exc
            raise IngestError(
                _(
                    "ingest of {file} failed; the warehouse was left as it was: {error}",
                    file=path,
                    error=exc,
                ),
                hint=_("Fix the cause above and run the same command again."),
                file=str(path),
            ) from exc
        step(_("writing rejects"))
        run.rejects_file = _write_problems(con, workspace, run)
    run.seconds = round(time.perf_counter() - started, 3)
    return run


def _hash_in_background(path: Path) -> Future[str]:
    """Hash the source file on another thread (hashlib releases the GIL) while DuckDB works."""
    pool = ThreadPoolExecutor(max_workers=1)
    digest = pool.submit(file_sha256, path)
    pool.shutdown(wait=False)
    return digest


def _run(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    spec: SourceMapping,
    options: CountOptions,
    source: Source,
    run: IngestResult,
    today: dt.date,
    step: Step,
) -> None:
    kind = spec.kind
    options.check_kind(kind, spec.name)
    checks = column_checks(kind, today)
    row_checks: tuple[Check, ...] = ()
    locator = None
    if kind == "incidents":
        locator = locator_for(con, workspace, spec.crs)
        row_checks = tuple(location_checks())
    if options.by_name:
        checks = names.name_checks(checks)
    con.execute(PROBLEMS_DDL)
    step(_("validating"))
    _stage(con, workspace, spec, options, source, run, checks, locator, row_checks)
    _report_checks(con, [*checks, *row_checks])
    if kind in ("incidents", "counts") and not spec.category_mapping:
        run.warnings.append(
            _(
                "mapping {name} has no category_mapping: rows are loaded without ICCS codes",
                name=spec.name,
            )
        )
    accepted = f"__bits & {rejecting_bits(checks)} = 0"
    fragments: list[incident_steps.Fragment] = []
    if kind in ("incidents", "counts"):
        step(_("classifying"))
        fragments.append(
            incident_steps.classify(
                con, spec.category_mapping, accepted, victim_columns=kind == "incidents"
            )
        )
    final = _final_select(kind, spec, source.path, accepted, fragments)
    con.execute(f"CREATE TEMP VIEW __final AS {final}")
    step(_("checking duplicates"))
    _flag_duplicates(con, kind)
    step(_("loading"))
    _load(con, kind, run)


def _stage(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    spec: SourceMapping,
    options: CountOptions,
    source: Source,
    run: IngestResult,
    checks: list[Check],
    locator: Locator | None,
    row_checks: tuple[Check, ...],
) -> None:
    """Read, parse, check (and locate) every row in one streaming pass into ``__staged``."""
    kind, file = spec.kind, str(source.path)
    source.register(con)
    shape = _reshape(con, workspace, spec, options, source, run)
    sources = resolve_columns(kind, spec, shape.available, file)
    staged = stage_select(
        kind, spec, sources, shape.relation, shape.overrides, source.types, shape.extras
    )
    texts = raw_texts(kind, spec, sources, source.types)
    if options.by_name:
        texts["area_id"] = "__area_text"
    locate = locator.select if locator else None
    select = validated_select(kind, staged, checks, texts, locate=locate, row_checks=row_checks)
    if locator:
        locator.register(con)
    try:
        con.execute(f"CREATE TEMP TABLE __staged AS {select}")
    finally:
        if locator:
            locator.unregister(con)
    for view in reversed(shape.views):
        con.execute(f"DROP VIEW {view}")
    source.release(con)
    con.execute("DROP TABLE IF EXISTS __src")
    ((run.rows_read,),) = con.execute("SELECT count(*) FROM __staged").fetchall()


@dataclass
class _Shape:
    """The relation the staging reads: its name, the columns it offers to the mapping, raw-text
    overrides of canonical columns, extra columns for checks, and the views to drop after."""

    relation: str
    available: list[str]
    overrides: dict[str, str] = field(default_factory=dict)
    extras: tuple[str, ...] = ()
    views: list[str] = field(default_factory=list)


def _reshape(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    spec: SourceMapping,
    options: CountOptions,
    source: Source,
    run: IngestResult,
) -> _Shape:
    """Turn ``__raw`` into long rows with canonical columns where the mapping asks for it.

    Wide months and category columns are unpivoted, the period built from year and month
    columns, area names resolved. A file with category columns or area names is first copied
    into a temporary table (``__src``): its distinct names and its totals are read before the
    rows are staged.
    """
    file, relation, available = str(source.path), "__raw", source.columns
    overrides: dict[str, str] = {}
    views: list[str] = []
    if options.by_name or options.by_category:
        con.execute("CREATE TEMP TABLE __src AS SELECT * FROM __raw")
        relation = "__src"
    if spec.layout == "wide":
        relation, overrides, available = unpivot_months(con, spec, available, file, relation)
        run.unit = "cells"  # __row = 100 * file row + month
        views.append(relation)
    if options.by_category:
        categories.total_mismatches(con, options, relation, available, source.types, file)
        relation, overrides, available = categories.unpivot_categories(
            con, options, relation, available, source.types, file
        )
        run.unit = categories.UNIT
        views.append(relation)
    period = categories.period_from_year_month(spec, options, available, file)
    if period:
        overrides.update(period)
        available = [*available, "period_start"]
    extras: tuple[str, ...] = ()
    if options.by_name:
        categories.check_columns(
            [spec.source_column("area_id"), *filter(None, [options.parent_column])],
            available,
            file,
            "area_id / parent_column",
        )
        level = names.target_level(con, options, workspace.config.levels)
        relation, named = names.resolve_names(
            con, options, relation, spec.source_column("area_id"), level
        )
        overrides.update(named)
        extras = names.EXTRAS
        views.append(relation)
        run.warnings += names.name_warnings(names.name_hints(con))
    return _Shape(relation, available, overrides, extras, views)


def _report_checks(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> None:
    """One problem row per (row, failed check), with the raw text that failed."""
    position = {name: i + 1 for i, name in enumerate(checked_columns(checks))}
    selects = [
        f"""SELECT __row, '{c.column}',
            {f"__raws[{position[c.column]}]" if c.value else "NULL"}, '{c.reason}', '{c.action}',
            NULL FROM __bad WHERE __bits & {1 << i} <> 0"""
        for i, c in enumerate(checks)
    ]
    con.execute(
        "CREATE TEMP TABLE __bad AS SELECT __row, __bits, __raws FROM __staged WHERE __bits <> 0"
    )
    if selects:
        con.execute(f"INSERT INTO __problems {' UNION ALL '.join(selects)}")
    con.execute("DROP TABLE __bad")


def _final_select(
    kind: str,
    spec: SourceMapping,
    path: Path,
    accepted: str,
    fragments: list[incident_steps.Fragment],
) -> str:
    """Accepted rows with their classification, location, source and row hash."""
    columns = {c.name: f"s.{c.name}" for c in input_columns(kind)}
    if kind == "incidents":
        columns.update(area_id="s.area_id", location_status="s.location_status")
    if kind in ("incidents", "counts"):
        source = spec.source or path.stem
        columns["source"] = parse.literal(source.replace(chr(39), ""))
    for fragment in fragments:
        columns.update(fragment.columns)
    joins = " ".join(f.join for f in fragments)
    selected = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    return f"""SELECT *, {hash_expr(kind)} AS row_hash FROM (
        SELECT s.__row, {selected} FROM __staged s {joins} WHERE s.{accepted})"""


def hash_expr(kind: str) -> str:
    """Content hash of a row of ``kind`` (the same expression in every run: idempotence)."""
    return f"hash({', '.join(_hash_columns(kind))})"


def _hash_columns(kind: str) -> list[str]:
    names = [c.name for c in input_columns(kind)]
    if kind in ("incidents", "counts"):
        names.append("source")
    if kind == "incidents":
        names += ["iccs_code", "lon", "lat"]
    return list(dict.fromkeys(names))


def _key_expr(kind: str, alias: str = "") -> list[str]:
    prefix = f"{alias}." if alias else ""
    keys = list(table(kind).key)
    if kind == "incidents":  # rows without an identifier are keyed by their content
        return [
            f"{prefix}source",
            f"COALESCE({prefix}incident_id, '#' || CAST({prefix}row_hash AS VARCHAR))",
        ]
    return [prefix + k for k in keys]


def _flag_duplicates(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Reject repeated rows of ``__final``: same content (duplicate_row) or same key, other
    content (duplicate_key). Their rows go to ``__dups``.

    A hash aggregate finds the keys seen more than once; only rows with those keys are
    ordered to tell the first from the repeats.
    """
    keys = ", ".join(_key_expr(kind))
    named = ", ".join(f"{k} AS k{i}" for i, k in enumerate(_key_expr(kind)))
    con.execute(
        f"""CREATE TEMP TABLE __repeated AS
        SELECT {named} FROM __final GROUP BY ALL HAVING count(*) > 1"""
    )
    on = " AND ".join(
        f"{k} IS NOT DISTINCT FROM r.k{i}" for i, k in enumerate(_key_expr(kind, "f"))
    )
    con.execute(
        f"""CREATE TEMP TABLE __dups AS
        SELECT __row AS row, CASE WHEN row_hash = first_hash THEN 'duplicate_row'
                                  ELSE 'duplicate_key' END AS reason, first_row
        FROM (SELECT __row, row_hash,
                     first_value(__row) OVER w AS first_row,
                     first_value(row_hash) OVER w AS first_hash,
                     row_number() OVER w AS rn
              FROM (SELECT f.* FROM __final f SEMI JOIN __repeated r ON {on})
              WINDOW w AS (PARTITION BY {keys} ORDER BY __row))
        WHERE rn > 1"""
    )
    con.execute(
        f"""INSERT INTO __problems SELECT row, '{table(kind).key[-1]}', NULL, reason,
        '{REJECTED}', first_row FROM __dups"""
    )
    con.execute("DROP TABLE __repeated")


def _load(con: duckdb.DuckDBPyConnection, kind: str, run: IngestResult) -> None:
    """Insert new rows, replace changed ones, skip unchanged ones (idempotent re-ingest).

    Rows already in the warehouse under the same key are matched first (``__matched``: the
    target's rowid and whether the content is the same); a first load matches nothing.
    """
    target = table(kind)
    fresh = "f.__row NOT IN (SELECT row FROM __dups)"
    on = " AND ".join(
        f"{a} IS NOT DISTINCT FROM {b}"
        for a, b in zip(_key_expr(kind, "t"), _key_expr(kind, "f"), strict=True)
    )
    con.execute(
        f"""CREATE TEMP TABLE __matched AS
        SELECT f.__row, t.rowid AS target_row, t.row_hash = f.row_hash AS same
        FROM __final f JOIN {kind} t ON {on} WHERE {fresh}"""
    )
    ((accepted, matched, same),) = con.execute(
        f"""SELECT (SELECT count(*) FROM __final f WHERE {fresh}),
                   (SELECT count(*) FROM __matched), (SELECT count(*) FROM __matched WHERE same)"""
    ).fetchall()
    run.rows_accepted = accepted
    run.rows_new = accepted - matched
    run.rows_updated = matched - same
    run.rows_unchanged = same
    ((run.rows_rejected,),) = con.execute(
        f"SELECT count(DISTINCT row) FROM __problems WHERE action = '{REJECTED}'"
    ).fetchall()
    if run.rows_updated:
        con.execute(
            f"DELETE FROM {kind} WHERE rowid IN (SELECT target_row FROM __matched WHERE NOT same)"
        )
    skip = " AND f.__row NOT IN (SELECT __row FROM __matched WHERE same)" if same else ""
    columns = [c for c in target.column_names if c not in ("ingest_run", "source_row")]
    con.execute(
        f"""INSERT INTO {kind} ({", ".join(columns)}, ingest_run, source_row)
        SELECT {", ".join("f." + c for c in columns)}, '{run.run_id}', f.__row
        FROM __final f WHERE {fresh}{skip}"""
    )
    summary = con.execute(
        "SELECT action, reason, count(*) FROM __problems GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    for action, reason, n in summary:
        run.problems.setdefault(action, {})[reason] = n


def _record_run(
    con: duckdb.DuckDBPyConnection,
    run: IngestResult,
    spec: SourceMapping,
    path: Path,
    digest: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.kind,
            path.name,
            digest or file_sha256(path),
            spec.name,
            run.rows_read,
            run.rows_accepted,
            run.rows_rejected,
            run.rows_new,
            run.rows_updated,
            run.rows_unchanged,
            json.dumps({"problems": run.problems, "unit": run.unit, "warnings": run.warnings}),
        ],
    )


def _write_problems(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, run: IngestResult
) -> Path | None:
    """Write ``rejects/<run>.csv`` (row, column, value, reason, action, message, fix)."""
    ((n,),) = con.execute("SELECT count(*) FROM __problems").fetchall()
    if not n:
        return None
    reasons = con.execute("SELECT DISTINCT reason FROM __problems").fetchall()
    texts = pa.table(
        {
            "reason": [r for (r,) in reasons],
            "message": [message(r) for (r,) in reasons],
            "fix": [fix(r) for (r,) in reasons],
        }
    )
    con.register("__texts", texts)
    out = workspace.rejects / f"{run.run_id}.csv"
    tmp = out.with_suffix(".tmp")
    file_name = Path(run.file).name.replace("'", "")
    row = {
        "cells": "p.row // 100 AS row, p.row % 100 AS month",
        categories.UNIT: f"p.row // {categories.CELLS} AS row, c.category",
    }.get(run.unit, "p.row")
    cells = (
        f"LEFT JOIN __cell_names c ON c.position = p.row % {categories.CELLS}"
        if run.unit == categories.UNIT
        else ""
    )
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS __hints (reason VARCHAR, value VARCHAR, hint VARCHAR)"
    )
    con.execute(
        f"""COPY (SELECT '{file_name}' AS file, {row}, p."column", p.value, p.reason, p.action,
                  t.message, COALESCE(h.hint, t.fix) AS fix, p.related_row
                  FROM __problems p JOIN __texts t USING (reason)
                  LEFT JOIN __hints h ON h.reason = p.reason AND h.value = p.value {cells}
                  ORDER BY p.row, p."column")
        TO '{tmp}' (HEADER, DELIMITER ',')"""
    )
    tmp.replace(out)
    return out
