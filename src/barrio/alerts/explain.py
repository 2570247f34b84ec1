"""One-line explanations of alerts, in the user's language (Spanish or English)."""

from __future__ import annotations

import math

from barrio.i18n import gettext


def _num(value: float, locale: str) -> str:
    """A count as an integer, a mean with one decimal (decimal comma in Spanish)."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if locale == "es" else text


def explain(
    series: str,
    period: str,
    observed: float,
    expected: float,
    upperbound: float,
    *,
    alarm: bool,
    locale: str = "en",
) -> str:
    """E.g. "C-1.1.1 robbery: 14 in 2024-03 against an expected 5.2; the alert threshold was 9.8".

    Examples
    --------
    >>> explain("robo", "2024-03", 14, 5.2, 9.8, alarm=True)
    'ALERT robo: 14 in 2024-03 against an expected 5.2; the alert threshold was 9.8'
    """
    values = {
        "series": series,
        "period": period,
        "observed": _num(observed, locale),
        "expected": _num(expected, locale),
        "threshold": _num(upperbound, locale),
    }
    if alarm:
        msg = (
            "ALERT {series}: {observed} in {period} against an expected {expected}; "
            "the alert threshold was {threshold}"
        )
    else:
        msg = (
            "{series}: {observed} in {period} against an expected {expected}; "
            "the alert threshold was {threshold}"
        )
    return gettext(msg, locale, **values)
