"""The ICCS code list and its hierarchy.

The International Classification of Crime for Statistical Purposes (ICCS v1.0, UNODC 2015) has
four levels: sections ("01"), divisions ("0101"), groups ("01031") and classes ("010321"). A code
always starts with its parent's code, so "is this crime within that family" is a prefix test.

The shipped list (``barrio/data/iccs/iccs.csv``) carries a ``status`` per code: ``confirmed``
(code and name seen together in a source), ``code_confirmed`` (code seen, name from recall) and
``recall`` (unverified; show it as such until checked against the official ICCS v1.0). See
``barrio/data/iccs/README.md``.

Codes are strings with leading zeros ("0101"), never numbers.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from barrio.errors import MappingError
from barrio.i18n import _

STATUSES = ("confirmed", "code_confirmed", "recall")
LEVEL_NAMES = {1: "section", 2: "division", 3: "group", 4: "class"}


@cache
def _load() -> pd.DataFrame:
    path = resources.files("barrio") / "data" / "iccs" / "iccs.csv"
    with path.open("rb") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8")
    frame["level"] = frame["level"].astype("int64")
    for column in ("parent", "name_es"):
        frame[column] = frame[column].replace("", pd.NA)
    return frame.astype({c: "string" for c in frame.columns if c != "level"})


def load_iccs() -> pd.DataFrame:
    """The ICCS code list.

    Returns
    -------
    pandas.DataFrame
        One row per code with columns ``code``, ``level`` (1-4), ``parent`` (NA for
        sections), ``name_en``, ``name_es`` (NA where no Spanish name was seen), ``status``
        and ``sources``. A fresh copy: callers may modify it.

    Examples
    --------
    >>> iccs = load_iccs()
    >>> iccs.set_index("code").loc["0101", "name_en"]
    'Intentional homicide'
    """
    return _load().copy()


@cache
def _index() -> dict[str, tuple[int, str | None]]:
    frame = _load()
    parents = frame["parent"].astype(object).where(frame["parent"].notna(), None)
    return dict(zip(frame["code"], zip(frame["level"].tolist(), parents, strict=True), strict=True))


def known_codes() -> frozenset[str]:
    """The set of codes in the shipped list."""
    return frozenset(_index())


def _check(code: str) -> tuple[int, str | None]:
    try:
        return _index()[code]
    except (KeyError, TypeError):
        sections = ", ".join(c for c, (lvl, _) in _index().items() if lvl == 1)
        raise MappingError(
            _(
                "unknown ICCS code {code}; sections are: {sections}",
                code=repr(code),
                sections=sections,
            ),
            hint=_(
                "ICCS codes are strings with leading zeros, e.g. '0101'; list them "
                "with `barrio classify codes`."
            ),
            value=code,
        ) from None


def level(code: str) -> int:
    """The level of ``code``: 1 section, 2 division, 3 group, 4 class.

    >>> level("0401")
    2
    """
    return _check(code)[0]


def parent(code: str) -> str | None:
    """The parent code of ``code`` (``None`` for a section).

    >>> parent("04011")
    '0401'
    """
    return _check(code)[1]


def ancestors(code: str) -> list[str]:
    """The codes above ``code``, nearest first.

    >>> ancestors("050211")
    ['05021', '0502', '05']
    """
    out: list[str] = []
    current = parent(code)
    while current is not None:
        out.append(current)
        current = parent(current)
    return out


def children(code: str) -> list[str]:
    """The codes directly below ``code``, sorted.

    >>> children("0401")[:2]
    ['04011', '04012']
    """
    _check(code)
    return sorted(c for c, (_, p) in _index().items() if p == code)


def descendants(code: str) -> list[str]:
    """All codes below ``code`` at any depth, sorted.

    >>> descendants("0502")[:3]
    ['05021', '050211', '050212']
    """
    _check(code)
    return sorted(c for c in _index() if c != code and c.startswith(code))


def _as_strings(codes: object) -> pd.Series:
    series = codes if isinstance(codes, pd.Series) else pd.Series(np.asarray(codes, dtype=object))
    return series.astype("string")


def is_within(codes: object, ancestor: str) -> np.ndarray:
    """Whether each code is ``ancestor`` or lies below it (vectorised).

    Parameters
    ----------
    codes
        Array-like of ICCS code strings; missing values give ``False``.
    ancestor
        A section, division, group or class code.

    Returns
    -------
    numpy.ndarray
        Boolean array, one value per code.

    Examples
    --------
    >>> is_within(["04011", "0502", None], "0401").tolist()
    [True, False, False]
    """
    _check(ancestor)
    hit = _as_strings(codes).str.startswith(ancestor)
    return hit.fillna(False).to_numpy(dtype=bool)


def section_of(codes: object) -> np.ndarray:
    """The section (first two digits) of each code; missing stays missing (``None``).

    >>> section_of(["0101", "050211", None]).tolist()
    ['01', '05', None]
    """
    sections = _as_strings(codes).str.slice(0, 2)
    return sections.astype(object).where(sections.notna(), None).to_numpy(dtype=object)


@cache
def tag_vocabulary() -> dict[str, frozenset[str] | None]:
    """ICCS disaggregation tags: variable name -> allowed value codes.

    ``None`` means the values are free (an age band, an area code ...). Victim sex is carried in
    its own mapping column, not as a tag. Read from ``barrio/data/iccs/iccs_tags.csv`` (mostly
    ``recall`` status, like the code list).

    >>> sorted(tag_vocabulary()["weapon"])[:2]
    ['FIREARM', 'NO_WEAPON']
    """
    path = resources.files("barrio") / "data" / "iccs" / "iccs_tags.csv"
    with path.open("rb") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8")
    vocabulary: dict[str, frozenset[str] | None] = {}
    for variable, values in frame.groupby("variable", sort=True)["value_code"]:
        free = values.str.contains("<|/", regex=True).any()
        vocabulary[str(variable)] = None if free else frozenset(values)
    return vocabulary
