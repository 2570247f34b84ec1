"""Benchmark: design-based means for many domains, Taylor and 80 replicate weights.

Synthetic survey: 200,000 respondents, 50 strata, 2,000 PSUs, 30 domains (``--quick``: 20,000 /
10 / 200 / 10). Times Barrio's one-pass estimators against baselines run in this same process:

* a naive pandas loop (one domain at a time, PSU totals with groupby), always;
* ``svy`` and ``samplics`` when importable (optional; tested with svy 0.35.0 and samplics 0.6.1;
  ``--peers DIR`` appends a folder where they were installed with ``pip install --target DIR``).
  A peer that is not installed is named in the output as not compared.

The table's last column is each time over Barrio's (Taylor, or 80 replicates for replicate rows);
the SEs of the Taylor peers are compared with Barrio's domain by domain.

Run: ``.venv/bin/python benchmarks/survey.py [--quick] [--peers DIR]``.
Targets (issue 5): Taylor mean for all domains <= 0.1 s; 80 replicates <= 0.5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from barrio.survey import estimate, svydesign
from barrio.survey.replicates import bootstrap


def synthetic(n: int, strata: int, psus: int, domains: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, psus, n)
    return pd.DataFrame(
        {
            "stratum": psu % strata,
            "psu": psu,
            "w": rng.uniform(50, 500, n),
            "y": rng.gamma(2.0, 10.0, n) + (psu % 7),
            "domain": rng.integers(0, domains, n),
        }
    )


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float, object]:
    """Best wall time of ``repeat`` runs and peak traced memory (MiB) of one run."""
    best = float("inf")
    out: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, out


def naive_taylor(frame: pd.DataFrame) -> dict[int, float]:
    """Per-domain loop: the textbook formula with pandas groupby (baseline)."""
    out = {}
    n_h = frame.groupby("stratum")["psu"].nunique()
    for dom, _ in frame.groupby("domain"):
        inside = (frame["domain"] == dom).to_numpy()
        w = frame["w"].where(inside, 0.0)
        mean = (w * frame["y"]).sum() / w.sum()
        z = w * (frame["y"] - mean) / w.sum()
        tot = z.groupby([frame["stratum"], frame["psu"]]).sum()
        dev = tot - tot.groupby(level=0).transform("mean")
        h = dev.index.get_level_values(0)
        scale = (n_h / (n_h - 1)).reindex(h).to_numpy()
        out[int(dom)] = float(np.sqrt((scale * dev.to_numpy() ** 2).sum()))
    return out


Peer = tuple[str, Callable[[], object], Callable[[object], dict[int, float]] | None]


def _svy_se(out: object) -> dict[int, float]:
    table = out.to_polars()  # type: ignore[attr-defined]
    return {int(d): float(se) for d, se in zip(table["domain"], table["se"], strict=True)}


def _samplics_se(out: object) -> dict[int, float]:
    return {int(d): float(se) for d, se in out.items()}  # type: ignore[attr-defined]


def peers(frame: pd.DataFrame, reps: int) -> tuple[list[Peer], list[str]]:
    """Peer libraries' runs (with a function extracting their SE by domain), and the missing."""
    found: list[Peer] = []
    missing: list[str] = []
    try:
        import polars as pl
        import svy

        pdf = pl.from_pandas(frame)
        sample = svy.Sample(pdf, svy.Design(stratum="stratum", psu="psu", wgt="w"))
        found.append(
            (f"svy {svy.__version__} Taylor", lambda: sample.estimation.mean("y", by="domain"),
             _svy_se)
        )  # fmt: skip
        rep = sample.weighting.create_bs_wgts(n_reps=reps, rstate=1)
        found.append(
            (
                f"svy {svy.__version__} 80 bootstrap",
                lambda: rep.estimation.mean("y", by="domain", method="replication"),
                None,
            )
        )
    except ImportError as error:
        missing.append(f"svy not installed ({error}): pip install svy==0.35.0")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import samplics
            from samplics import PopParam, TaylorEstimator
        arrays = {c: frame[c].to_numpy() for c in frame.columns}

        def samplics_taylor() -> object:
            est = TaylorEstimator(PopParam.mean)
            est.estimate(
                y=arrays["y"],
                samp_weight=arrays["w"],
                stratum=arrays["stratum"],
                psu=arrays["psu"],
                domain=arrays["domain"],
            )
            return est.stderror

        version = getattr(samplics, "__version__", "")
        found.append((f"samplics {version} Taylor".replace("  ", " "), samplics_taylor,
                      _samplics_se))  # fmt: skip
    except ImportError as error:
        missing.append(f"samplics not installed ({error}): pip install samplics==0.6.1")
    return found, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small size for a smoke run")
    parser.add_argument("--peers", help="folder with svy/samplics installed (--target)")
    args = parser.parse_args()
    if args.peers:
        sys.path.append(args.peers)
    n, strata, psus, doms = (20_000, 10, 200, 10) if args.quick else (200_000, 50, 2_000, 30)
    reps = 80
    frame = synthetic(n, strata, psus, doms)
    print(f"{n:,} respondents, {strata} strata, {psus:,} PSUs, {doms} domains, {reps} replicates")

    design = svydesign(frame, weights="w", strata="stratum", psu="psu")
    rep_design = replace(design, replicates=bootstrap(design, reps))
    rows: list[tuple[str, float, float]] = []

    def run(name: str, fn: Callable[[], object], repeat: int = 3) -> object:
        seconds, peak, out = timed(fn, repeat)
        rows.append((name, seconds, peak))
        return out

    run(
        "design (codes, one time)",
        lambda: svydesign(frame, weights="w", strata="stratum", psu="psu"),
    )
    ours = run("barrio Taylor, all domains", lambda: estimate(design, "mean", "y", by=["domain"]))
    run(
        "barrio 80 replicates, all domains",
        lambda: estimate(rep_design, "mean", "y", by=["domain"]),
    )
    run("barrio create 80 bootstrap", lambda: bootstrap(design, reps), repeat=1)
    naive = run("naive pandas loop (baseline)", lambda: naive_taylor(frame), repeat=1)
    found, missing = peers(frame, reps)
    agreement = []
    for name, fn, se_of in found:
        out = run(name, fn, repeat=1)
        if se_of is not None:
            theirs = se_of(out)
            worst_peer = max(abs(e.se - theirs[int(e.domain["domain"])]) / e.se for e in ours)
            agreement.append(f"max relative SE difference barrio vs {name}: {worst_peer:.2e}")

    assert isinstance(ours, list)
    assert isinstance(naive, dict)
    worst = max(abs(e.se - naive[int(e.domain["domain"])]) / e.se for e in ours)
    base = {r[0]: r[1] for r in rows}
    taylor = base["barrio Taylor, all domains"]
    print(f"\n{'step':38s} {'seconds':>9s} {'peak MiB':>9s} {'x barrio':>9s}")
    for name, seconds, peak in rows:
        ref = (
            base["barrio 80 replicates, all domains"]
            if "replic" in name or "bootstrap" in name
            else taylor
        )
        print(f"{name:38s} {seconds:9.4f} {peak:9.1f} {seconds / ref:9.1f}")
    print(f"\nmax relative SE difference barrio vs naive loop: {worst:.2e}")
    for line in agreement:
        print(line)
    for line in missing:
        print(f"not compared: {line}")


if __name__ == "__main__":
    main()
