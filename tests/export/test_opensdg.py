"""Open SDG with --public: hidden cells have a blank value, a COMMENT_OBS note and a footnote."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml


def test_public_opensdg_blanks_and_footnotes(public_exports: dict[str, Path]) -> None:
    folder = public_exports["opensdg"]
    data = pd.read_csv(
        folder / "data" / "indicator_sexual-violence.csv", dtype=str, keep_default_na=False
    )
    hidden = data[data["COMMENT_OBS"] != ""]
    assert len(hidden) > 0
    assert (hidden["Value"] == "").all()
    assert (data.loc[data["COMMENT_OBS"] == "", "Value"] != "").all()
    meta = yaml.safe_load((folder / "meta" / "sexual-violence.yml").read_text(encoding="utf-8"))
    assert "suppressed" in meta["data_footnote"]
    assert "5" in meta["data_footnote"]


def test_not_public_has_no_notes(city_ws, tmp_path: Path) -> None:
    from barrio.export.service import export

    export(city_ws, "opensdg", tmp_path, ids=["sexual-violence"], public=False)
    data = pd.read_csv(tmp_path / "data" / "indicator_sexual-violence.csv", dtype=str)
    assert "COMMENT_OBS" not in data.columns
    assert data["Value"].notna().all()
