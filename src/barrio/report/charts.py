"""Static charts for reports (matplotlib, Agg backend): trends with intervals, Lorenz curves,
bar charts and stacked shares. Each function takes data frames and returns PNG bytes."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

DPI = 110
PALETTE = ("#1b6ca8", "#d1495b", "#66a182", "#edae49", "#6c4f77", "#2e4057", "#8d96a3")
STATUS_COLOURS = {
    "pending": "#bdbdbd",
    "in_process": "#edae49",
    "addressed": "#66a182",
    "not_implemented": "#d1495b",
    "discarded": "#6c4f77",
}


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def png(fig: Any) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    pyplot().close(fig)
    return buffer.getvalue()


def trend_chart(
    frame: pd.DataFrame, *, series: str, x: str, y: str, lower: str, upper: str, ylabel: str
) -> bytes:
    """One line per ``series`` over ``x`` with its interval (``lower``-``upper``) shaded."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for i, (name, part) in enumerate(frame.sort_values(x).groupby(series, sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(part[x], part[y], marker="o", color=colour, label=str(name), linewidth=1.6)
        ax.fill_between(part[x], part[lower], part[upper], color=colour, alpha=0.15, linewidth=0)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png(fig)


def bar_chart(labels: list[str], values: list[float], *, xlabel: str) -> bytes:
    """Horizontal bars, largest first."""
    plt = pyplot()
    order = np.argsort(values)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(labels) + 0.8))
    ax.barh(np.asarray(labels, dtype=object)[order], np.asarray(values)[order], color=PALETTE[0])
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=7)
    return png(fig)


def lorenz_chart(curve: pd.DataFrame, *, label: str, xlabel: str, ylabel: str) -> bytes:
    """Lorenz curve (``share_places``, ``share_crime``) against the line of equality."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.plot([0, 1], [0, 1], color="#8d96a3", linestyle="--", linewidth=1)
    ax.plot(curve["share_places"], curve["share_crime"], color=PALETTE[1], label=label)
    ax.fill_between(curve["share_places"], curve["share_places"], curve["share_crime"],
                    color=PALETTE[1], alpha=0.12)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig)


def stacked_shares(frame: pd.DataFrame, *, x: str, columns: dict[str, str], ylabel: str) -> bytes:
    """Stacked areas of shares (0-1) over ``x``; ``columns`` maps column -> legend label."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    keys = [c for c in columns if c in frame]
    colours = [STATUS_COLOURS.get(c.removeprefix("share_"), PALETTE[i % len(PALETTE)])
               for i, c in enumerate(keys)]  # fmt: skip
    values = frame[keys].fillna(0).to_numpy(float).T
    ax.stackplot(pd.to_datetime(frame[x]), values, labels=[columns[k] for k in keys],
                 colors=colours, alpha=0.9)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig)
