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
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from barrio.config import SourceMapping, resolve_mapping
from barrio.errors import BarrioError, IngestError
from barrio.i18n import _
from barrio.ingest import incidents as incident_steps
from barrio.ingest.problems import REJECTED, fix, message
from barrio.ingest.readers import read_text_table
from barrio.ingest.result import IngestResult
from barrio.ingest.stage import column_checks, input_columns, resolve_columns, stage_select
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
    path = Path(path)
    run = IngestResult(run_id=new_run_id(kind), kind=kind, file=str(path), mapping=spec.name)
    step(_("reading"))
    text = read_text_table(path, encoding=spec.encoding, delimiter=spec.delimiter, sheet=spec.sheet)
    run.encoding, run.delimiter = text.encoding, text.delimiter
    holder = [text.table.append_column("__row", pa.array(np.arange(1, text.table.num_rows + 1)))]
    del text  # the staging step takes the only reference and frees it once DuckDB has a copy
    with connect(workspace.warehouse_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _run(con, workspace, spec, path, holder, run, today or dt.date.today(), step)
            con.execute("COMMIT")
        except BaseException as exc:
            con.execute("ROLLBACK")
            if isinstance(exc, BarrioError | KeyboardInterrupt):
                raise
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


def _run(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    spec: SourceMapping,
    path: Path,
    holder: list[pa.Table],
    run: IngestResult,
    today: dt.date,
    step: Step,
) -> None:
    kind = spec.kind
    raw = holder.pop()
    con.register("__raw", raw)
    overrides: dict[str, str] = {}
    relation, available = "__raw", [c for c in raw.column_names if c != "__row"]
    if spec.layout == "wide":
        relation, overrides, available = unpivot_months(con, spec, available, str(path))
        run.unit = "cells"  # __row = 100 * file row + month
    sources = resolve_columns(kind, spec, available, str(path))
    step(_("validating"))
    con.execute(
        f"CREATE TEMP TABLE __staged AS {stage_select(kind, spec, sources, relation, overrides)}"
    )
    con.unregister("__raw")
    del raw
    run.rows_read = con.execute("SELECT count(*) FROM __staged").fetchone()[0]  # type: ignore[index]
    con.execute(PROBLEMS_DDL)
    checks = column_checks(kind, today)
    for check in checks:
        con.execute(
            f"""INSERT INTO __problems SELECT __row, '{check.column}', {check.column}__raw,
            '{check.reason}', '{check.action}', NULL FROM __staged WHERE {check.condition}"""
        )
    final = _final_select(kind, checks, spec, path)
    con.execute(f"CREATE TEMP TABLE __final AS {final}")
    con.execute("DROP TABLE __staged")
    if kind in ("incidents", "counts") and not spec.category_mapping:
        run.warnings.append(
            _(
                "mapping {name} has no category_mapping: rows are loaded without ICCS codes",
                name=spec.name,
            )
        )
    if kind == "incidents":
        incident_steps.enrich(con, workspace, spec, step)
    elif kind == "counts":
        step(_("classifying"))
        incident_steps.classify(con, spec.category_mapping, victim_columns=False)
    step(_("checking duplicates"))
    _flag_duplicates(con, kind)
    step(_("loading"))
    _load(con, kind, run)
    _record_run(con, run, spec, path)


def _final_select(kind: str, checks: list, spec: SourceMapping, path: Path) -> str:
    """Accepted rows with cleared values removed, plus source, run bookkeeping and row hash."""
    cleared: dict[str, list[str]] = {}
    for check in checks:
        if check.action != REJECTED:
            cleared.setdefault(check.column, []).append(check.condition)
    cols = []
    for col in input_columns(kind):
        conditions = cleared.get(col.name)
        cols.append(
            f"CASE WHEN {' OR '.join(conditions)} THEN NULL ELSE {col.name} END AS {col.name}"
            if conditions
            else col.name
        )
    if kind in ("incidents", "counts"):
        source = spec.source or path.stem
        cols.append(f"'{source.replace(chr(39), '')}' AS source")
    return f"""SELECT __row, {", ".join(cols)} FROM __staged
    WHERE __row NOT IN (SELECT row FROM __problems WHERE action = 'rejected')"""


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
    """Reject repeated rows: same content (duplicate_row) or same key, other content."""
    hashed = ", ".join(_hash_columns(kind))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __final AS SELECT *, hash({hashed}) AS row_hash FROM __final"
    )
    keys = ", ".join(_key_expr(kind))
    con.execute(
        f"""INSERT INTO __problems
        SELECT __row, '{table(kind).key[-1]}', NULL,
               CASE WHEN row_hash = first_hash THEN 'duplicate_row' ELSE 'duplicate_key' END,
               'rejected', first_row
        FROM (SELECT __row, row_hash,
                     first_value(__row) OVER w AS first_row,
                     first_value(row_hash) OVER w AS first_hash,
                     row_number() OVER w AS rn
              FROM __final WINDOW w AS (PARTITION BY {keys} ORDER BY __row))
        WHERE rn > 1"""
    )
    con.execute(
        "DELETE FROM __final WHERE __row IN "
        "(SELECT row FROM __problems WHERE reason IN ('duplicate_row', 'duplicate_key'))"
    )


def _load(con: duckdb.DuckDBPyConnection, kind: str, run: IngestResult) -> None:
    """Insert new rows, replace changed ones, skip unchanged ones (idempotent re-ingest)."""
    target = table(kind)
    on = " AND ".join(
        f"{a} IS NOT DISTINCT FROM {b}"
        for a, b in zip(_key_expr(kind, "t"), _key_expr(kind, "f"), strict=True)
    )
    con.execute(
        f"""CREATE TEMP TABLE __status AS
        SELECT f.__row, CASE WHEN t.row_hash IS NULL THEN 'new'
                             WHEN t.row_hash = f.row_hash THEN 'unchanged'
                             ELSE 'updated' END AS status
        FROM __final f LEFT JOIN {kind} t ON {on}"""
    )
    counts = dict(con.execute("SELECT status, count(*) FROM __status GROUP BY 1").fetchall())
    run.rows_new = counts.get("new", 0)
    run.rows_updated = counts.get("updated", 0)
    run.rows_unchanged = counts.get("unchanged", 0)
    rejected = con.execute(
        "SELECT count(DISTINCT row) FROM __problems WHERE action = 'rejected'"
    ).fetchone()
    run.rows_rejected = int(rejected[0]) if rejected else 0
    run.rows_accepted = run.rows_new + run.rows_updated + run.rows_unchanged
    if run.rows_updated:
        keys = ", ".join(_key_expr(kind))
        con.execute(
            f"""DELETE FROM {kind} WHERE ({keys}) IN (
                SELECT ({", ".join(_key_expr(kind, "f"))}) FROM __final f
                JOIN __status s USING (__row) WHERE s.status = 'updated')"""
        )
    columns = [c for c in target.column_names if c not in ("ingest_run", "source_row")]
    con.execute(
        f"""INSERT INTO {kind} ({", ".join(columns)}, ingest_run, source_row)
        SELECT {", ".join("f." + c for c in columns)}, '{run.run_id}', f.__row
        FROM __final f JOIN __status s USING (__row) WHERE s.status <> 'unchanged'"""
    )
    summary = con.execute(
        "SELECT action, reason, count(*) FROM __problems GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    for action, reason, n in summary:
        run.problems.setdefault(action, {})[reason] = n


def _record_run(
    con: duckdb.DuckDBPyConnection, run: IngestResult, spec: SourceMapping, path: Path
) -> None:
    con.execute(
        "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.kind,
            path.name,
            file_sha256(path),
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
    n = con.execute("SELECT count(*) FROM __problems").fetchone()
    if not n or not n[0]:
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
    row = "p.row // 100 AS row, p.row % 100 AS month" if run.unit == "cells" else "p.row"
    con.execute(
        f"""COPY (SELECT '{file_name}' AS file, {row}, p."column", p.value, p.reason, p.action,
                  t.message, t.fix, p.related_row
                  FROM __problems p JOIN __texts t USING (reason) ORDER BY p.row, p."column")
        TO '{tmp}' (HEADER, DELIMITER ',')"""
    )
    tmp.replace(out)
    return out
