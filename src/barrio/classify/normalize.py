"""Normalised matching keys for local crime-category names.

Police files spell the same category many ways ("ROBO A NEGOCIO C.V.", "Robo a negocio c/v",
"robo  a negocio, c.v."). Matching is done on a key that ignores case, accents, punctuation and
repeated whitespace, so one mapping row covers all of them.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_key(text: str) -> str:
    """The matching key of one category name.

    Casefold, strip accents (NFKD, drop combining marks), turn every run of punctuation or
    whitespace into one space, trim.

    Examples
    --------
    >>> normalize_key("  Robo a Transeúnte C.V. ")
    'robo a transeunte c v'
    >>> normalize_key("VIOLACIÓN")
    'violacion'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped).strip()


def normalize_keys(values: pd.Series) -> pd.Series:
    """Normalised keys of a Series of names; missing values stay missing.

    Normalises each distinct value once and broadcasts back, so the cost grows with the number
    of distinct categories (tens), not rows (millions).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    keys = np.array([normalize_key(str(u)) for u in uniques] + [None], dtype=object)
    out = pd.Series(keys[codes], index=values.index, dtype="string")
    return out.replace("", pd.NA)
