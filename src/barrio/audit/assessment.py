"""Four-stage assessment of a public-security strategy: the instrument and its scores.

The instrument (``barrio/data/instruments/four-stage-strategy.yaml``) lists items in four
stages (1 design method; 2 statistics for police intelligence; 3 prevention and police
deployment; 4 effectiveness and outcomes). Each item has a question, the standard it cites, the
basic principles of the UN Guidelines for the Prevention of Crime it serves (ECOSOC resolution
2002/13, annex: government leadership, socio-economic development and inclusion, cooperation and
partnerships, sustainability and accountability, knowledge base, human rights / rule of law /
culture of lawfulness, interdependency, differentiation), the evidence required and a weight.

An assessor gives each item a maturity level with its evidence: 0 absent, 1 initial, 2 defined,
3 implemented, 4 monitored and improved (or *not applicable*). Scores:

- item: ``level / 4 x 100``;
- stage, principle and overall: ``sum(weight x level) / sum(weight x 4) x 100`` over the items
  assessed (not-applicable items leave numerator and denominator);

and every item at level 0 or 1 drafts a recommendation (:func:`draft_recommendations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from barrio.errors import ConfigError, InputError
from barrio.i18n import _, current_locale

PRINCIPLES = (
    "government_leadership",
    "socio_economic_development",
    "cooperation",
    "sustainability",
    "knowledge_base",
    "human_rights",
    "interdependency",
    "differentiation",
)
LEVELS = (0, 1, 2, 3, 4)
RECOMMEND_AT_OR_BELOW = 1
DEFAULT_INSTRUMENT = "four-stage-strategy"


@dataclass(frozen=True)
class Instrument:
    """An assessment instrument: its items (one row each) and labels."""

    id: str
    version: int
    name: dict[str, str]
    stages: dict[int, dict[str, str]]
    levels: dict[int, dict[str, str]]
    items: pd.DataFrame  # item, stage, title, question, standard, principles, evidence_required,
    #                      weight,
    #                      recommend (dict columns hold {"en": ..., "es": ...})
    source: str = ""

    def text(self, item: str, column: str, locale: str | None = None) -> str:
        """A translatable field of an item in ``locale`` (English when missing)."""
        value = self.items.set_index("item").at[item, column]
        if isinstance(value, dict):
            return str(value.get(locale or current_locale()) or value.get("en", ""))
        return str(value)


def _label(labels: Any, locale: str | None = None) -> str:
    """The text of a ``{"en": ..., "es": ...}`` field in ``locale`` ("" when absent)."""
    if isinstance(labels, str):
        return labels
    if not isinstance(labels, dict):
        return ""
    return str(labels.get(locale or current_locale()) or labels.get("en", ""))


def load_instrument(path: Path | str | None = None) -> Instrument:
    """The shipped four-stage instrument, or the instrument YAML at ``path``.

    Examples
    --------
    >>> inst = load_instrument()
    >>> sorted(inst.items["stage"].unique().tolist())
    [1, 2, 3, 4]
    """
    if path is None:
        ref = resources.files("barrio") / "data" / "instruments" / f"{DEFAULT_INSTRUMENT}.yaml"
        name, text = f"barrio:instruments/{DEFAULT_INSTRUMENT}.yaml", ref.read_text("utf-8")
    else:
        if not Path(path).is_file():
            raise ConfigError(
                _("instrument file not found: {path}", path=path),
                hint=_("Check the path."),
                file=str(path),
            )
        name, text = str(path), Path(path).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(
            _("{file} is not valid YAML: {error}", file=name, error=exc),
            hint=_("Check indentation and quoting (see docs/audit.md for the layout)."),
            file=name,
        ) from exc
    items = pd.DataFrame(data.get("items") or [])
    _check_instrument(items, name)
    items["item"] = items["item"].astype(str)
    items["stage"] = items["stage"].astype("int64")
    items["weight"] = items["weight"].astype("float64")
    items = items.rename(columns={"evidence": "evidence_required"})
    return Instrument(
        id=str(data.get("id", Path(name).stem)),
        version=int(data.get("version", 1)),
        name=dict(data.get("name") or {}),
        stages={int(k): dict(v) for k, v in (data.get("stages") or {}).items()},
        levels={int(k): dict(v) for k, v in (data.get("levels") or {}).items()},
        items=items,
        source=name,
    )


def _check_instrument(items: pd.DataFrame, name: str) -> None:
    required = [
        "item",
        "stage",
        "title",
        "question",
        "standard",
        "principles",
        "evidence",
        "weight",
    ]
    missing = [c for c in required if c not in items.columns]
    problems = [_("items lack fields: {fields}", fields=", ".join(missing))] if missing else []
    if not missing:
        if items["item"].astype(str).duplicated().any():
            problems.append(_("item ids are repeated"))
        if not items["stage"].isin([1, 2, 3, 4]).all():
            problems.append(_("stages must be 1-4"))
        if not (pd.to_numeric(items["weight"], errors="coerce") > 0).all():
            problems.append(_("weights must be positive numbers"))
        tags = {t for tags in items["principles"] for t in (tags or [])}
        if tags - set(PRINCIPLES):
            problems.append(
                _("unknown principles: {tags}", tags=", ".join(sorted(tags - set(PRINCIPLES))))
            )
    if problems:
        raise ConfigError(
            _(
                "{file} is not a valid instrument: {problems}",
                file=name,
                problems="; ".join(problems),
            ),
            hint=_("Principles are: {tags}", tags=", ".join(PRINCIPLES)),
            file=name,
        )


@dataclass(frozen=True)
class AssessmentScores:
    """Scores of one assessment.

    ``items``: one row per instrument item (level NaN = not applicable) with ``score``;
    ``stages`` and ``principles``: ``weighted`` sums and ``score``; ``overall``: 0-100.
    """

    items: pd.DataFrame
    stages: pd.DataFrame
    principles: pd.DataFrame
    overall: float
    parameters: dict[str, Any] = field(default_factory=dict)


def _weighted(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """``sum(w l) / sum(w 4) x 100`` per group over assessed items."""
    assessed = frame[frame["level"].notna()]
    wl = (assessed["weight"] * assessed["level"]).groupby(assessed[by]).sum()
    w4 = (assessed["weight"] * 4).groupby(assessed[by]).sum()
    out = pd.DataFrame(
        {
            "items": frame.groupby(by)["item"].count(),
            "assessed": assessed.groupby(by)["item"].count(),
            "weighted_level": wl,
            "weighted_max": w4,
        }
    ).fillna({"assessed": 0, "weighted_level": 0.0, "weighted_max": 0.0})
    out["score"] = np.where(
        out["weighted_max"] > 0,
        100 * out["weighted_level"] / out["weighted_max"].where(out["weighted_max"] > 0, 1),
        np.nan,
    )
    return out.reset_index().astype({"assessed": "int64"})


def score_assessment(instrument: Instrument, levels: pd.DataFrame) -> AssessmentScores:
    """Score the levels given to the instrument's items.

    Parameters
    ----------
    instrument
        The instrument (:func:`load_instrument`).
    levels
        ``item``, ``level`` (0-4, or NaN for not applicable) and optionally ``evidence``. Every
        instrument item must appear once; no other item may.

    Examples
    --------
    >>> inst = load_instrument()
    >>> given = pd.DataFrame({"item": inst.items["item"], "level": 2})
    >>> score_assessment(inst, given).overall
    50.0
    """
    levels = levels.copy()
    levels["item"] = levels["item"].astype(str)
    known = set(instrument.items["item"])
    unknown = sorted(set(levels["item"]) - known)
    missing = sorted(known - set(levels["item"]))
    repeated = sorted(set(levels.loc[levels["item"].duplicated(), "item"]))
    if unknown or missing or repeated:
        raise InputError(
            _(
                "the assessment does not match instrument {id}: missing items {missing}; unknown "
                "items {unknown}; repeated items {repeated}",
                id=instrument.id,
                missing=", ".join(missing) or "-",
                unknown=", ".join(unknown) or "-",
                repeated=", ".join(repeated) or "-",
            ),
            hint=_(
                "Give one row per item of the instrument (level 0-4, or na when not "
                "applicable); start from: barrio assess --template FILE"
            ),
            missing=missing,
            unknown=unknown,
            repeated=repeated,
        )
    lv = pd.to_numeric(levels["level"], errors="coerce")
    if not lv.dropna().isin(LEVELS).all():
        raise InputError(
            _(
                "maturity levels are whole numbers 0-4; found {values}",
                values=", ".join(map(str, sorted(set(lv.dropna()) - set(LEVELS)))),
            ),
            hint=_(
                "0 absent, 1 initial, 2 defined, 3 implemented, 4 monitored and improved; "
                "na when not applicable."
            ),
        )
    levels["level"] = lv
    items = instrument.items.merge(levels, on="item", how="left", validate="one_to_one")
    items["score"] = 100 * items["level"] / 4
    tags = items[["item", "weight", "level", "principles"]].explode("principles")
    principles = _weighted(tags.rename(columns={"principles": "principle"}), "principle")
    stages = _weighted(items, "stage")
    total = _weighted(items.assign(all=1), "all").iloc[0]
    return AssessmentScores(
        items=items,
        stages=stages,
        principles=principles,
        overall=float(total["score"]),
        parameters={
            "instrument": instrument.id,
            "version": instrument.version,
            "formula": "sum(weight*level)/sum(weight*4)*100",
        },
    )


def recommendation_priority(weight: float, level: int) -> str:
    """``high`` when ``weight x (4 - level) >= 9``, ``medium`` when >= 4, else ``low``."""
    gap = weight * (4 - level)
    return "high" if gap >= 9 else "medium" if gap >= 4 else "low"


def draft_recommendations(
    instrument: Instrument,
    scores: AssessmentScores,
    *,
    assessment_code: str,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    """One draft recommendation per item at level 0 or 1 (pure: dicts, nothing stored).

    Each draft has ``code`` (``<assessment>-<item>``), ``title``, ``description``, ``theme``
    (``institutional_capacity``), ``source`` (``assessment``), ``source_ref``
    (``<assessment>:<item>``), ``priority`` (:func:`recommendation_priority`), ``item`` and
    ``stage``.
    """
    locale = locale or current_locale()
    weak = scores.items[
        scores.items["level"].notna() & (scores.items["level"] <= RECOMMEND_AT_OR_BELOW)
    ]
    drafts = []
    for row in weak.to_dict("records"):
        level = int(row["level"])
        level_name = _label(instrument.levels.get(level, {}), locale)
        action = _label(row.get("recommend"), locale) or _label(row["question"], locale)
        description = _(
            "{action}\n\nAssessment {code}, item {item} ({stage}): level {level} ({level_name}). "
            "Question: {question} Standard: {standard}. Evidence expected: {evidence}.",
            locale=locale,
            action=action,
            code=assessment_code,
            item=row["item"],
            stage=_label(instrument.stages.get(int(row["stage"]), {}), locale),
            level=level,
            level_name=level_name,
            question=_label(row["question"], locale),
            standard=row["standard"],
            evidence=_label(row["evidence_required"], locale),
        )
        drafts.append(
            {
                "code": f"{assessment_code}-{row['item']}",
                "title": _label(row["title"], locale),
                "description": description,
                "theme": "institutional_capacity",
                "source": "assessment",
                "source_ref": f"{assessment_code}:{row['item']}",
                "priority": recommendation_priority(float(row["weight"]), level),
                "item": row["item"],
                "stage": int(row["stage"]),
            }
        )
    return drafts
