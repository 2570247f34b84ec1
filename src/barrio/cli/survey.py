"""``barrio survey``: design-based estimates and victimization indicators from microdata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from barrio.cli.options import add_command
from barrio.cli.output import JsonOption, console, run_command
from barrio.errors import ConfigError
from barrio.i18n import _


def _floats(text: str, option: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as error:
        raise ConfigError(
            _(
                "{option} expects numbers separated by commas, got {value}",
                option=option,
                value=text,
            ),
            hint=_("e.g. 0.25,0.5,0.75"),
        ) from error


def _calibration(
    post: Path | None, rake: Path | None, linear: Path | None
) -> dict[str, Any] | None:
    from barrio.survey.service import load_spec

    given = [(m, p) for m, p in (("poststratify", post), ("rake", rake), ("linear", linear)) if p]
    if len(given) > 1:
        raise ConfigError(
            _("use only one of --postStratify, --rake and --calibrate"),
            hint=_("combine margins in one spec file instead"),
        )
    if not given:
        return None
    method, path = given[0]
    spec = load_spec(path)
    spec.setdefault("method", method)
    return spec


def _names(text: str | None) -> list[str] | None:
    return [v.strip() for v in text.split(",") if v.strip()] if text else None


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return f"{value:,.{digits}g}" if isinstance(value, float) else str(value)


def _render_estimates(result: dict[str, Any]) -> None:
    from rich.table import Table

    d = result["design"]
    console.print(
        _(
            "{rows} rows, {strata} strata, {psus} PSUs, {df} df, variance: {variance}",
            rows=d["rows"],
            strata=d["strata"],
            psus=d["psus"],
            df=d["df"],
            variance=d["variance"],
        )
    )
    table = Table()
    for col in ("Domain", "Level", "Estimate", "SE", "CI", "CV %", "Deff", "n", "Quality"):
        table.add_column(_(col))
    for e in result["estimates"]:
        dom = ", ".join(f"{k}={v}" for k, v in e["domain"].items()) or _("all")
        ci = f"{_fmt(e['ci_low'], 6)} – {_fmt(e['ci_high'], 6)}"
        table.add_row(
            dom,
            e["level"] or "",
            _fmt(e["estimate"], 7),
            _fmt(e["se"], 5),
            ci,
            _fmt(e["cv"], 3),
            _fmt(e["deff"], 4),
            str(e["n"]),
            _(e["quality"]),
        )
    console.print(table)


def estimate_command(
    file: Path = typer.Argument(..., help=_("Microdata: CSV, Parquet, SPSS .sav or Stata .dta.")),
    stat: str = typer.Option(
        ..., "--stat", help=_("Statistic: mean | total | proportion | ratio | quantile")
    ),
    var: str = typer.Option(..., "--var", help=_("Analysis variable.")),
    weights: str | None = typer.Option(None, "--weights", help=_("Weight column.")),
    strata: str | None = typer.Option(None, "--strata", help=_("Stratum column.")),
    psu: str | None = typer.Option(None, "--psu", help=_("PSU column, or PSU,SSU for two stages.")),
    fpc: str | None = typer.Option(None, "--fpc", help=_("Population size column(s): F or F1,F2.")),
    lonely: str = typer.Option(
        "remove",
        "--lonely",
        help=_("Strata with a single PSU: remove | adjust | average | certainty | fail"),
    ),
    replicates: str | None = typer.Option(
        None, "--replicates", help=_("Replicate weights: jk1 | jkn | brr | fay:RHO | bootstrap:R")
    ),
    rep_weights: str | None = typer.Option(
        None, "--rep-weights", help=_("Prefix of supplied replicate-weight columns.")
    ),
    scale: float | None = typer.Option(None, "--scale", help=_("Replicate variance scale.")),
    mse: bool = typer.Option(False, "--mse", help=_("Centre replicates at the full estimate.")),
    denominator: str | None = typer.Option(None, "--denominator", help=_("Ratio denominator.")),
    q: str = typer.Option("0.5", "--q", help=_("Quantile probabilities, e.g. 0.25,0.5.")),
    by: str | None = typer.Option(None, "--by", help=_("Domain columns, e.g. D1,D2.")),
    post: Path | None = typer.Option(None, "--postStratify", help=_("Post-stratification spec.")),
    rake: Path | None = typer.Option(None, "--rake", help=_("Raking spec (YAML/JSON).")),
    calibrate: Path | None = typer.Option(None, "--calibrate", help=_("Linear calibration spec.")),
    deff: bool = typer.Option(False, "--deff", help=_("Report design effects.")),
    level: float = typer.Option(0.95, "--level", help=_("Confidence level.")),
    ci: str | None = typer.Option(
        None, "--ci", help=_("Interval method: wald | logit | beta (Korn–Graubard).")
    ),
    as_json: bool = JsonOption,
) -> None:
    """Design-based estimate with SE, CI, CV, design effect, n and quality flag."""

    def work() -> dict[str, Any]:
        from barrio.survey.service import estimate_file

        return estimate_file(
            file,
            stat=stat,
            var=var,
            weights=weights,
            strata=strata,
            psu=psu,
            fpc=fpc,
            lonely=lonely,
            replicates=replicates,
            rep_weights=rep_weights,
            scale=scale,
            mse=mse,
            denominator=denominator,
            quantiles=_floats(q, "--q"),
            by=by,
            calibration=_calibration(post, rake, calibrate),
            deff=deff,
            level=level,
            ci=ci,
        )

    run_command(as_json, work, _render_estimates)


def _render_indicators(result: dict[str, Any]) -> None:
    from rich.table import Table

    published = result.get("published", {})
    table = Table(title=result["survey"])
    table.add_column(_("Indicator"), overflow="fold")
    table.add_column(_("Domain"), overflow="fold")
    for col in ("Estimate", "SE", "CV %", "n", "Quality", "Published"):
        table.add_column(_(col), no_wrap=True, overflow="ellipsis")
    for e in result["estimates"]:
        dom = ", ".join(f"{k}={v}" for k, v in e["domain"].items()) or _("national")
        row = (_fmt(e["estimate"], 6), _fmt(e["se"], 4), _fmt(e["cv"], 3), str(e["n"]))
        ref = published.get(e["statistic"], {}).get("value") if not e["domain"] else None
        table.add_row(e["statistic"], dom, *row, _(e["quality"]), "" if ref is None else str(ref))
    console.print(table)
    by_reason: dict[str, list[str]] = {}
    for u in result["unavailable"]:
        by_reason.setdefault(u["reason"], []).append(u["indicator"])
    for reason, names in by_reason.items():
        names = list(dict.fromkeys(names))
        console.print(_("Not computed ({reason}): {indicators}", reason=reason,
                        indicators=", ".join(names)))  # fmt: skip


def indicators_command(
    directory: Path = typer.Argument(..., help=_("Folder with the survey's tables.")),
    survey: str = typer.Option("envipe-2021", "--survey", help=_("Shipped mapping or YAML file.")),
    by: str | None = typer.Option(
        None, "--by", help=_("Disaggregations (default: the mapping's).")
    ),
    only: str | None = typer.Option(None, "--only", help=_("Only these indicators.")),
    as_json: bool = JsonOption,
) -> None:
    """Victimization indicators: prevalence, incidence, dark figure, SDG 16.3.1, trust, perception.

    Indicators whose table or items are missing are listed as not computed, with the reason.
    """

    def work() -> dict[str, Any]:
        from barrio.survey.indicators import compute_indicators

        result = compute_indicators(directory, survey, by=_names(by), only=_names(only))
        return {
            "survey": result.survey,
            "estimates": [e.to_dict() for e in result.estimates],
            "unavailable": result.unavailable,
            "published": result.published,
        }

    run_command(as_json, work, _render_indicators)


def register(app: typer.Typer) -> None:
    """Add ``barrio survey estimate|indicators`` to the main app."""
    survey_app = typer.Typer(
        name="survey",
        help=_("Complex-survey estimates and victimization indicators."),
        no_args_is_help=True,
    )
    add_command(survey_app, "estimate", estimate_command)
    add_command(survey_app, "indicators", indicators_command)
    app.add_typer(survey_app, name="survey")
