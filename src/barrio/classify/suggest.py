"""Propose ICCS codes for local categories that no mapping covers yet.

Two kinds of evidence are scored with rapidfuzz (0-100) and the best score per code is kept:

1. **Labelled local categories** of the shipped mappings (SESNSP, NIBRS, CDMX SSP, fixture city):
   a new name close to one a reviewer already classified most likely shares its code.
2. **ICCS names**: the Spanish name where the list has one, and the English name matched against
   a rough English rendering of the category built from a small Spanish keyword table
   (``barrio/data/iccs/synonyms_es.csv``: robo -> theft, con violencia -> robbery, lesiones ->
   assault ...). These scores are discounted (x 0.9): a name match is weaker evidence.

Suggestions are for a person to review, never applied automatically; codes with status
``recall`` are unverified (see :mod:`barrio.classify.iccs`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from barrio.classify.iccs import load_iccs
from barrio.classify.mapping import available_mappings, load_mapping
from barrio.classify.normalize import normalize_key

NAME_DISCOUNT = 0.9
COLUMNS = ("category", "rank", "iccs_code", "name_en", "status", "score", "basis")


@cache
def _synonyms() -> tuple[tuple[str, str], ...]:
    path = resources.files("barrio") / "data" / "iccs" / "synonyms_es.csv"
    with path.open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8")
    pairs = zip(table["term_es"].map(normalize_key), table["terms_en"], strict=True)
    # Longest phrases first so "violencia familiar" wins over a shorter overlapping term.
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def to_english(category: str) -> str:
    """A rough English rendering of a Spanish category, for matching ICCS names.

    Robbery is theft with violence, so when a violence phrase is present "theft" is dropped.

    >>> to_english("Robo a transeúnte con violencia")
    'robbery violence person'
    """
    text = f" {normalize_key(category)} "
    words: list[str] = []
    for term, english in _synonyms():
        if f" {term} " in text:
            text = text.replace(f" {term} ", " | ")
            words.extend(w for w in english.split() if w not in words)
    if "robbery" in words and "theft" in words:
        words.remove("theft")
    return " ".join(words)


@cache
def _candidates() -> pd.DataFrame:
    """Every labelled text with its code: mapping labels, then ICCS names."""
    frames = []
    for name in available_mappings():
        table = load_mapping(name).table.dropna(subset=["iccs_code"])
        frames.append(
            pd.DataFrame(
                {
                    "text": table["key"],
                    "iccs_code": table["iccs_code"],
                    "basis": f"mapping {name}: " + table["local_category"],
                    "weight": 1.0,
                    "english": False,
                }
            )
        )
    iccs = load_iccs()
    for column, english in (("name_en", True), ("name_es", False)):
        rows = iccs.dropna(subset=[column])
        frames.append(
            pd.DataFrame(
                {
                    "text": rows[column].map(normalize_key),
                    "iccs_code": rows["code"],
                    "basis": f"ICCS {column}: " + rows[column],
                    "weight": NAME_DISCOUNT,
                    "english": english,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).astype({"text": str, "iccs_code": str})


def _blend(queries: list[str], texts: list[str]) -> np.ndarray:
    """Mostly token-set similarity (word order and extra words don't matter), with a share of
    token-sort similarity so that, among labels containing the query's words, the one with the
    fewest extra words ranks first ("Theft" before "Theft of business property")."""
    from rapidfuzz import fuzz, process

    token_set = process.cdist(queries, texts, scorer=fuzz.token_set_ratio, workers=1)
    token_sort = process.cdist(queries, texts, scorer=fuzz.token_sort_ratio, workers=1)
    return 0.8 * token_set + 0.2 * token_sort


def _scores(queries: list[str], candidates: pd.DataFrame) -> np.ndarray:
    """Score matrix (queries x candidates) taking each candidate's language into account."""
    english = candidates["english"].to_numpy(dtype=bool)
    texts = candidates["text"].tolist()
    spanish_q = [normalize_key(q) for q in queries]
    english_q = [to_english(q) for q in queries]
    scores = _blend(spanish_q, texts)
    scores_en = _blend(english_q, texts)
    scores = np.where(english[None, :], scores_en, scores).astype(float)
    scores[:, english] *= np.array([bool(q) for q in english_q], dtype=float)[:, None]
    return scores * candidates["weight"].to_numpy(dtype=float)[None, :]


def suggest(unknown: list[str], *, limit: int = 3) -> pd.DataFrame:
    """Rank ICCS codes for each unknown local category.

    Parameters
    ----------
    unknown
        Local category names (any case, accents optional).
    limit
        Number of distinct codes to propose per category.

    Returns
    -------
    pandas.DataFrame
        Columns ``category``, ``rank`` (1 = best), ``iccs_code``, ``name_en``, ``status`` (of the
        code; ``recall`` = unverified), ``score`` (0-100) and ``basis`` (the label that matched).

    Examples
    --------
    >>> suggest(["ROBO A TRANSEUNTE CON VIOLENCIA"], limit=1)["iccs_code"].iloc[0]
    '0401'
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if not unknown:
        return pd.DataFrame({c: [] for c in COLUMNS})
    candidates = _candidates()
    scores = _scores(list(unknown), candidates)
    names = load_iccs().set_index("code")
    rows = []
    for i, category in enumerate(unknown):  # one small ranking per category, not per incident
        ranked = candidates.assign(score=scores[i]).sort_values("score", ascending=False)
        best = ranked.drop_duplicates("iccs_code").head(limit)
        for rank, (code, score, basis) in enumerate(
            zip(best["iccs_code"], best["score"].round(1), best["basis"], strict=True), start=1
        ):
            name, status = names.at[code, "name_en"], names.at[code, "status"]
            rows.append((category, rank, code, name, status, float(score), basis))
    return pd.DataFrame(rows, columns=list(COLUMNS))
