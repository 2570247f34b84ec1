"""Local-category mappings: from a police department's crime names to ICCS codes.

A mapping is a CSV file with the columns

``local_category, iccs_code, attempted, victim_sex, tags, confidence, note``

- ``local_category``: the name as it appears in the source (matched on a normalised key:
  case, accents, punctuation and repeated spaces are ignored);
- ``iccs_code``: an ICCS code string ("0401"); blank means "matched, but outside ICCS scope"
  (e.g. NIBRS justifiable homicide);
- ``attempted``: ``true`` / ``false`` / blank (unknown);
- ``victim_sex``: ``F`` / ``M`` / blank, when the category implies it (feminicide -> F);
- ``tags``: ICCS disaggregation tags as ``variable=VALUE`` pairs separated by ``;``, using the
  variable names of the ICCS tag list, e.g.
  ``weapon=FIREARM;situational_context=INTIMATE_PARTNER_FAMILY``;
- ``confidence``: ``high`` / ``medium`` / ``low`` (blank only when ``iccs_code`` is blank);
- ``note``: free text for reviewers.

Shipped mappings live in ``barrio/data/mappings/<name>.csv`` (see the README there).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from barrio.classify.iccs import known_codes, tag_vocabulary
from barrio.classify.normalize import normalize_key
from barrio.errors import InputError, MappingError
from barrio.i18n import _

COLUMNS = ("local_category", "iccs_code", "attempted", "victim_sex", "tags", "confidence", "note")
CONFIDENCES = ("high", "medium", "low")
SEXES = ("F", "M")
_BOOLEANS = {"true": True, "false": False, "": None}
_OUTPUT_TYPES = {
    "iccs_code": "string",
    "attempted": "boolean",
    "victim_sex": "string",
    "tags": "string",
    "confidence": "string",
}


def _mapping_dir() -> Path:
    return Path(str(resources.files("barrio") / "data" / "mappings"))


def available_mappings() -> list[str]:
    """Names of the mappings shipped with Barrio, sorted.

    >>> "sesnsp" in available_mappings()
    True
    """
    return sorted(p.stem for p in _mapping_dir().glob("*.csv"))


@dataclass(frozen=True)
class CategoryMapping:
    """A validated local-category -> ICCS mapping.

    Attributes
    ----------
    name
        The mapping's name (file stem).
    source
        The file it was read from.
    table
        The rows as read (string columns, ``attempted`` as pandas ``boolean``) plus ``key``,
        the normalised matching key.
    """

    name: str
    source: Path
    table: pd.DataFrame

    def apply(self, categories: pd.Series) -> pd.DataFrame:
        """Classify a column of local category names.

        Each distinct value is normalised and looked up once, then the result is broadcast to
        every row with one integer ``take``: the cost is that of factorising the column.

        Parameters
        ----------
        categories
            Local category names; missing values are allowed (they come out unmatched).

        Returns
        -------
        pandas.DataFrame
            Same index as ``categories``; columns ``iccs_code`` (string, NA when unmatched or out
            of scope), ``attempted`` (boolean, NA when unknown), ``victim_sex`` (string or NA),
            ``tags`` (string, "" when none), ``confidence`` (string or NA) and ``matched`` (bool).

        Examples
        --------
        >>> m = load_mapping("fixture-city")
        >>> m.apply(pd.Series(["FEMINICIDIO", "otro"]))[["iccs_code", "victim_sex", "matched"]]
          iccs_code victim_sex  matched
        0      0101          F     True
        1      <NA>       <NA>    False
        """
        codes, uniques = pd.factorize(categories, use_na_sentinel=True)
        lookup = dict(zip(self.table["key"], range(len(self.table)), strict=True))
        # One row per distinct category plus a trailing "unmatched" row that code -1 (NA) takes.
        rows = np.array([lookup.get(normalize_key(str(u)), -1) for u in uniques] + [-1])
        per_unique = self._rows_for(rows)
        take = np.where(codes < 0, len(uniques), codes)
        return pd.DataFrame(
            {c: per_unique[c].array.take(take) for c in per_unique.columns},
            index=categories.index,
        )

    def _rows_for(self, rows: np.ndarray) -> pd.DataFrame:
        """Output columns for mapping row numbers (-1 = unmatched)."""
        matched = rows >= 0
        picked = self.table.iloc[np.where(matched, rows, 0)]
        out = pd.DataFrame({"matched": matched})
        for column, dtype in _OUTPUT_TYPES.items():
            values = picked[column].reset_index(drop=True)
            empty = "" if column == "tags" else pd.NA
            out[column] = values.where(matched, empty).astype(dtype)  # type: ignore[call-overload]
        return out[[*_OUTPUT_TYPES, "matched"]]

    def summary(self) -> dict[str, object]:
        """Row count and confidence breakdown (for ``barrio classify mappings``)."""
        counts = self.table["confidence"].fillna("none").value_counts()
        return {
            "name": self.name,
            "rows": len(self.table),
            "confidence": {k: int(counts.get(k, 0)) for k in (*CONFIDENCES, "none")},
        }


def load_mapping(name_or_path: str | Path) -> CategoryMapping:
    """Read and validate a mapping, by shipped name or by path to a CSV file.

    Parameters
    ----------
    name_or_path
        A shipped name (see :func:`available_mappings`) or a path to a CSV file in the mapping
        format (UTF-8).

    Raises
    ------
    MappingError
        Unknown name, or a row that fails validation (the message names file, row, column).

    Examples
    --------
    >>> load_mapping("cdmx-ssp").apply(pd.Series(["ROBO A NEGOCIO C.V."]))["iccs_code"].iloc[0]
    '04013'
    """
    path = _resolve(name_or_path)
    table = _read(path)
    _validate(table, path)
    table["key"] = [normalize_key(v) for v in table["local_category"]]
    _check_duplicates(table, path)
    table = table.drop_duplicates("key").reset_index(drop=True)
    return CategoryMapping(name=path.stem, source=path, table=table)


def _resolve(name_or_path: str | Path) -> Path:
    shipped = _mapping_dir() / f"{name_or_path}.csv"
    if isinstance(name_or_path, str) and "/" not in name_or_path and shipped.is_file():
        return shipped
    path = Path(name_or_path)
    if path.is_file():
        return path
    names = ", ".join(available_mappings())
    raise MappingError(
        _(
            "unknown mapping {name_or_path}; shipped mappings are: {names}",
            name_or_path=repr(str(name_or_path)),
            names=names,
        ),
        hint=_(
            "Give one of the shipped names or the path to a CSV file with the "
            "columns {columns} (see docs/classification.md).",
            columns=", ".join(COLUMNS),
        ),
        value=str(name_or_path),
        allowed=available_mappings(),
    )


def _read(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InputError(
            _("cannot read mapping file {path}: {error}", path=path, error=error),
            hint=_("Save the mapping as a comma-separated UTF-8 CSV file."),
            file=str(path),
        ) from error
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise MappingError(
            _(
                "mapping file {path} lacks the column(s) {missing}; expected: {columns}",
                path=path,
                missing=", ".join(missing),
                columns=", ".join(COLUMNS),
            ),
            hint=_("Add the missing columns (they may be left blank except local_category)."),
            file=str(path),
            missing=missing,
        )
    table = table.loc[:, list(COLUMNS)].apply(lambda s: s.str.strip())
    return table


def _fail(path: Path, index: int, column: str, value: str, allowed: str) -> MappingError:
    # Row numbers are 1-based data rows (the header is row 0), as in a spreadsheet minus one.
    return MappingError(
        _(
            "mapping file {path}, row {row}, column {column}: invalid value "
            "{value}; expected {allowed}",
            path=path,
            row=index + 1,
            column=repr(column),
            value=repr(value),
            allowed=allowed,
        ),
        hint=_("Correct the {column} value in that row of the mapping file.", column=column),
        file=str(path),
        row=index + 1,
        column=column,
        value=value,
    )


class _Row(NamedTuple):
    local_category: str
    iccs_code: str
    attempted: str
    victim_sex: str
    tags: str
    confidence: str
    note: str


def _validate(table: pd.DataFrame, path: Path) -> None:
    codes = known_codes()
    records = table.itertuples(index=False, name=None)
    for i, values in enumerate(records):  # mapping files have ~100 rows
        row = _Row(*values)
        if not row.local_category:
            raise _fail(path, i, "local_category", row.local_category, _("a non-empty name"))
        if row.iccs_code and row.iccs_code not in codes:
            raise _fail(path, i, "iccs_code", row.iccs_code, _("a code of the ICCS list"))
        if row.attempted.lower() not in _BOOLEANS:
            raise _fail(path, i, "attempted", row.attempted, _("true, false or blank"))
        if row.victim_sex and row.victim_sex not in SEXES:
            raise _fail(path, i, "victim_sex", row.victim_sex, _("F, M or blank"))
        allowed_conf = CONFIDENCES if row.iccs_code else ("", *CONFIDENCES)
        if row.confidence not in allowed_conf:
            raise _fail(path, i, "confidence", row.confidence, _("one of high, medium, low"))
        _validate_tags(path, i, row.tags)
    table["attempted"] = table["attempted"].str.lower().map(_BOOLEANS).astype("boolean")
    for column in ("iccs_code", "victim_sex", "confidence", "note"):
        table[column] = table[column].replace("", pd.NA).astype("string")
    table["tags"] = table["tags"].astype("string")


def _validate_tags(path: Path, index: int, tags: str) -> None:
    vocabulary = tag_vocabulary()
    for pair in filter(None, (p.strip() for p in tags.split(";"))):
        variable, sep, value = pair.partition("=")
        if not sep or variable not in vocabulary:
            names = ", ".join(sorted(vocabulary))
            allowed_text = _("variable=VALUE with a variable among {names}", names=names)
            raise _fail(path, index, "tags", pair, allowed_text)
        allowed = vocabulary[variable]
        if allowed is not None and value not in allowed:
            allowed_text = _(
                "{variable}= one of {values}", variable=variable, values=", ".join(sorted(allowed))
            )
            raise _fail(path, index, "tags", pair, allowed_text)


def _check_duplicates(table: pd.DataFrame, path: Path) -> None:
    per_key = table.groupby("key")["iccs_code"].nunique(dropna=False)
    clashes = per_key[per_key > 1]
    if len(clashes):
        key = str(clashes.index[0])
        rows = (np.flatnonzero(table["key"].to_numpy() == key) + 1).tolist()
        raise MappingError(
            _(
                "mapping file {path}: rows {rows} have the same category {key} (after "
                "normalising case, accents and punctuation) but different ICCS codes",
                path=path,
                rows=rows,
                key=repr(key),
            ),
            hint=_("Keep one row per category, or make the names differ."),
            file=str(path),
            rows=rows,
            value=key,
        )
