"""Read survey microdata: CSV, Parquet, SPSS ``.sav`` and Stata ``.dta``.

CSV columns are read as text so that codes keep their leading zeros (ENVIPE ``"01"``); estimators
convert analysis variables to numbers when a statistic needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from barrio.errors import InputError
from barrio.i18n import _

FORMATS = (".csv", ".parquet", ".sav", ".dta")


def read_microdata(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Load a microdata file, optionally only some columns.

    Parameters
    ----------
    path
        ``.csv``, ``.parquet``, ``.sav`` or ``.dta`` file.
    columns
        Columns to keep (faster on wide files); all when ``None``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(
            _("survey file {path} does not exist", path=repr(str(path))), hint=_("check the path")
        )
    suffix = path.suffix.lower()
    cols = list(dict.fromkeys(columns)) if columns else None
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, usecols=cols)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path, columns=cols)
        elif suffix in (".sav", ".dta"):
            import pyreadstat

            reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
            frame, _meta = reader(str(path), usecols=cols)
        else:
            raise InputError(
                _("unsupported survey file type {suffix}", suffix=repr(suffix)),
                hint=_("use one of: {choices}", choices=", ".join(FORMATS)),
                file=str(path),
            )
    except ValueError as error:  # usecols naming a missing column
        raise InputError(
            _("cannot read {name}: {error}", name=path.name, error=error),
            hint=_("check the column names"),
            file=str(path),
        ) from error
    return frame
