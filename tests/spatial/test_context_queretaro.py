"""Context pillar from the 2020 census AGEB table of Querétaro; selection of 22 AGEBs.

The Querétaro Local Safety Audit worked in 22 neighbourhoods. With only census data (no AGEB or
colonia polygons are public), the context pillar alone ranks the 430 urban AGEBs of the
municipality of Querétaro (MUN 014). Expected figures are INEGI's own: 430 AGEBs holding
1,002,636 residents (PROVENANCE.txt of the data set).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from barrio.errors import ConfigError, InputError
from barrio.spatial.context import (
    INEGI_AGEB,
    context_table,
    inegi_ageb_rows,
    pillar,
    variables_from_config,
)
from barrio.spatial.priority import priority_index


@pytest.fixture(scope="module")
def ageb():
    from tests.conftest import shared_path

    census = pd.read_parquet(shared_path("queretaro", "censo2020_resageburb_22_queretaro.parquet"))
    return inegi_ageb_rows(census, municipality="014")


@pytest.mark.realdata
def test_context_pillar_selects_22_agebs_with_explanations(ageb):
    assert len(ageb) == 430
    assert ageb["pobtot"].sum() == 1_002_636
    assert ageb["area_id"].str.len().eq(13).all()
    table, excluded = context_table(ageb, INEGI_AGEB, "area_id")
    # nothing lost: every AGEB is either scored or excluded with its reason
    assert len(table) + len(excluded) == 430
    assert excluded["reason"].str.startswith("undefined").all()
    assert len(excluded) <= 10  # confidential cells ('*') in small AGEBs
    # shares are proportions; schooling is INEGI's average grade (years)
    for col in ("youth_share", "no_health_share", "female_head_share"):
        assert table[col].between(0, 1).all()
    assert table["schooling"].between(3, 17).all()
    # one AGEB by hand: 2201400010093
    row = ageb.set_index("area_id").loc["2201400010093"]
    got = table.set_index("area_id").loc["2201400010093"]
    assert got["youth_share"] == pytest.approx((row["p_15a17"] + row["p_18a24"]) / row["pobtot"])
    assert got["schooling"] == row["graproes"]

    result = priority_index(
        table, {"context": pillar(INEGI_AGEB)}, n_select=22, name_column=None, draws=200
    )
    chosen = result.table[result.table["selected"]]
    assert len(chosen) == len(result.selected) == 22
    assert chosen["explanation"].str.contains("strongest").all()
    assert chosen["stability"].between(0, 1).all()
    # the selection follows the context: selected AGEBs have less schooling and more youth
    rest = result.table[~result.table["selected"]]
    assert chosen["schooling"].mean() < rest["schooling"].mean() - 1.0
    assert chosen["no_health_share"].mean() > rest["no_health_share"].mean()
    # the top of the ranking is robust to ±20% weights, the margin less so
    assert chosen.nsmallest(5, "rank")["stability"].min() >= 0.9
    assert result.table["stability"].between(0.05, 0.95).any()


def test_variables_from_config_and_errors():
    raw = {
        "youth": {"expr": "(p_15a17 + p_18a24) / pobtot", "weight": 2},
        "schooling": {"expr": "graproes", "direction": "lower"},
    }
    variables = variables_from_config(raw)
    assert pillar(variables) == {"youth": 2.0, "schooling": -1.0}
    assert variables_from_config(None) == INEGI_AGEB
    with pytest.raises(ConfigError, match="expression"):
        variables_from_config({"x": {"weight": 1}})
    with pytest.raises(ConfigError, match="direction"):
        variables_from_config({"x": {"expr": "a", "direction": "up"}})
    with pytest.raises(ConfigError, match="invalid"):
        variables_from_config({"x": {"expr": "__import__('os')"}})
    frame = pd.DataFrame({"area_id": ["1", "2"], "a": [1.0, 2.0], "b": [0.0, 4.0]})
    with pytest.raises(InputError, match="unknown columns"):
        context_table(frame, variables_from_config({"x": {"expr": "a / c"}}), "area_id")
    table, excluded = context_table(
        frame, variables_from_config({"x": {"expr": "a / b"}}), "area_id"
    )
    assert table["x"].tolist() == [0.5]
    assert excluded["area_id"].tolist() == ["1"]  # division by zero is reported, not kept
    assert np.isfinite(table["x"]).all()
