"""Service functions behind ``barrio warn``: read a count file, detect, summarise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from barrio.alerts.detect import detect
from barrio.errors import InputError


def read_counts(path: Path) -> pd.DataFrame:
    """Read long-format counts from CSV or Parquet (keys and periods kept as text)."""
    if not path.exists():
        raise InputError(f"file not found: {path}", hint="Check the path.", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path, dtype={"series_id": "string"})
    raise InputError(
        f"unsupported file type {suffix!r}; expected one of: .csv, .parquet",
        hint="Save the counts as CSV or Parquet.",
        file=str(path),
    )


def warn_file(
    path: Path, *, keys: tuple[str, ...] = ("series_id",), **options: Any
) -> dict[str, Any]:
    """Run :func:`barrio.alerts.detect.detect` on a file; return a JSON-ready summary + rows."""
    table = detect(read_counts(path), keys=keys, **options)
    rows = table.drop(columns=[c for c in ("trend", "trend_coef") if c in table]).to_dict("records")
    return {
        "file": str(path),
        "method": str(table["method"].iloc[0]) if len(table) else options.get("method"),
        "series": len(table.drop_duplicates(list(keys))),
        "alarms": int(table["alarm"].sum()),
        "alerts": int(table["alert"].sum()),
        "rows": rows,
    }
