"""Survey estimates in public outputs: shown only when their precision allows.

Estimates carry INEGI's precision flag (``high`` CV < 15 %, ``moderate`` 15–30 %, ``low`` ≥ 30 %
or too few respondents; :mod:`barrio.survey.quality`). An estimate below the workspace's
``survey_min_quality`` is either kept with a ``disclosure`` note (``flag``, INEGI's practice:
flag, don't hide) or hidden (``suppress``). Microdata is never published.
"""

from __future__ import annotations

import pandas as pd

from barrio.config import QUALITY_ORDER
from barrio.disclosure.relations import DisclosureError
from barrio.i18n import _

ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "cv", "deff")
LOW_QUALITY = "low_quality"


def public_estimates(
    estimates: pd.DataFrame, *, min_quality: str = "moderate", low: str = "flag"
) -> pd.DataFrame:
    """Estimates with a ``disclosure`` column (``low_quality`` or empty).

    Examples
    --------
    >>> e = pd.DataFrame({"estimate": [0.2, 0.01], "cv": [10.0, 45.0],
    ...                   "quality": ["high", "low"]})
    >>> public_estimates(e, low="suppress")["estimate"].tolist()
    [0.2, nan]
    """
    if "quality" not in estimates.columns:
        raise DisclosureError(
            _("survey estimates without a quality column cannot be published"),
            hint=_("Publish the output of barrio survey estimate, which flags every estimate."),
        )
    rank = {q: i for i, q in enumerate(QUALITY_ORDER)}
    below = estimates["quality"].map(rank).fillna(-1) < rank[min_quality]
    out = estimates.assign(disclosure=below.map({True: LOW_QUALITY, False: ""}))
    if low == "suppress":
        cols = [c for c in ESTIMATE_COLUMNS if c in out.columns]
        out[cols] = out[cols].astype(float).mask(below)
    return out
