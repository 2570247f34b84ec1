"""Small dataframe helpers shared by the audit modules."""

from __future__ import annotations

from typing import Any

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts keyed by column name (for rendering and ORM writes)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
