"""SDMX export of the indicator table: structure (code lists, DSD, dataflow) and data.

Writes three files with pysdmx:

- ``structure.xml``: SDMX-ML 2.1 structure message with the code lists (``CL_ICCS`` from
  Barrio's ICCS list, ``CL_INDICATOR`` from the catalog, ``CL_AREA`` from the workspace's areas,
  sex, age, unit, confidentiality and observation status), the concept scheme, the data
  structure ``BARRIO:DSD_CRIME_IND`` and the dataflow ``BARRIO:DF_CRIME_IND``;
- ``data.csv``: SDMX-CSV 2.0;
- ``data.xml``: SDMX-ML 2.1 structure-specific data.

Dimensions: INDICATOR, ICCS, REF_AREA, SEX, AGE, UNIT_MEASURE (``NUMBER`` counts and
``PER_100K`` rates), TIME_PERIOD. Attributes: CONF_STATUS (``F`` free, ``C`` primary, ``D``
complementary suppression, SDMX cross-domain codes) and OBS_STATUS (``M`` when withheld).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from barrio.indicators.catalog import Indicator

AGENCY = "BARRIO"
DSD_ID = "DSD_CRIME_IND"
FLOW_ID = "DF_CRIME_IND"
VERSION = "1.0"
URN = "urn:sdmx:org.sdmx.infomodel."
SCHEME = f"{AGENCY}:CS_CRIME_IND({VERSION})"
DIMENSIONS = ("INDICATOR", "ICCS", "REF_AREA", "SEX", "AGE", "UNIT_MEASURE", "TIME_PERIOD")
ATTRIBUTES = ("CONF_STATUS", "OBS_STATUS")
CODELIST_OF = {
    "INDICATOR": "CL_INDICATOR",
    "ICCS": "CL_ICCS",
    "REF_AREA": "CL_AREA",
    "SEX": "CL_SEX",
    "AGE": "CL_AGE",
    "UNIT_MEASURE": "CL_UNIT_MEASURE",
    "CONF_STATUS": "CL_CONF_STATUS",
    "OBS_STATUS": "CL_OBS_STATUS",
}
SEX_CODES = {"total": "_T", "F": "F", "M": "M", "unknown": "_U"}
CONF_CODES = {"": "F", "primary": "C", "complementary": "D"}


def age_code(group: str) -> str:
    """SDMX age code of a Barrio age group: ``15-29`` → ``Y15T29``, ``65+`` → ``Y_GE65``."""
    if group == "total":
        return "_T"
    if group == "unknown":
        return "_U"
    if m := re.fullmatch(r"(\d+)-(\d+)", group):
        return f"Y{m[1]}T{m[2]}"
    if m := re.fullmatch(r"(\d+)\+", group):
        return f"Y_GE{m[1]}"
    return re.sub(r"[^A-Za-z0-9_@$-]", "_", group)


def iccs_code(ind: Indicator) -> str:
    """The ICCS code an indicator counts (``ICCS0101``, as Eurostat codes ICCS), ``_T`` for all
    offences, ``_Z`` when it counts several."""
    codes = ind.numerator.iccs
    if not codes:
        return "_T"
    return f"ICCS{codes[0]}" if len(codes) == 1 else "_Z"


def observations(table: pd.DataFrame, indicators: list[Indicator]) -> pd.DataFrame:
    """SDMX rows (one count and one rate per cell) from indicator-table rows."""
    iccs = {i.id: iccs_code(i) for i in indicators}
    status = table["suppressed"] if "suppressed" in table.columns else pd.Series("", table.index)
    base = pd.DataFrame(
        {
            "INDICATOR": table["indicator_id"],
            "ICCS": table["indicator_id"].map(iccs),
            "REF_AREA": table["area_id"],
            "SEX": table["sex"].map(SEX_CODES),
            "AGE": table["age_group"].map(age_code),
            "TIME_PERIOD": _periods(table),
            "CONF_STATUS": status.fillna("").map(CONF_CODES),
        }
    )
    counts = base.assign(UNIT_MEASURE="NUMBER", OBS_VALUE=table["numerator"].astype("Float64"))
    rates = base.assign(UNIT_MEASURE="PER_100K", OBS_VALUE=table["value"].round(4))
    withheld = base["CONF_STATUS"] != "F"
    rates = rates[rates["OBS_VALUE"].notna() | withheld.to_numpy()]
    out = pd.concat([counts, rates], ignore_index=True)
    out["OBS_STATUS"] = out["OBS_VALUE"].isna().map({True: "M", False: "A"})
    return out[[*DIMENSIONS, "OBS_VALUE", *ATTRIBUTES]].sort_values(
        list(DIMENSIONS), ignore_index=True
    )


def _periods(table: pd.DataFrame) -> pd.Series:
    """SDMX time periods: ``2024``, ``2024-Q1``, ``2024-01``."""
    start = pd.to_datetime(table["period_start"])
    year = start.dt.year.astype(str)
    kind = table["period_type"]
    return year.where(
        kind == "year",
        (year + "-Q" + start.dt.quarter.astype(str)).where(
            kind == "quarter", start.dt.strftime("%Y-%m")
        ),
    )


def _fixed_codelists() -> dict[str, Any]:
    path = resources.files("barrio") / "data" / "sdmx" / "codelists.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def structures(
    indicators: list[Indicator], areas: pd.DataFrame, ages: list[str], lang: str = "en"
) -> list[Any]:
    """Code lists, concept scheme, data structure and dataflow (pysdmx model objects)."""
    from pysdmx.model import Code, Codelist, Concept, ConceptScheme, Dataflow

    from barrio.classify import load_iccs

    lists: dict[str, list[Any]] = {}
    for cl_id, spec in _fixed_codelists().items():
        lists[cl_id] = [Code(id=str(k), name=str(v)) for k, v in spec["codes"].items()]
    iccs = load_iccs()
    name_col = "name_es" if lang == "es" else "name_en"
    names = iccs[name_col].where(iccs[name_col].fillna("") != "", iccs["name_en"])
    lists["CL_ICCS"] = [Code(id="_T", name="All offences"), Code(id="_Z", name="Not applicable")]
    lists["CL_ICCS"] += [
        Code(id=f"ICCS{c}", name=str(n)) for c, n in zip(iccs["code"], names, strict=True)
    ]
    lists["CL_INDICATOR"] = [Code(id=i.id, name=i.label(lang)) for i in indicators]
    lists["CL_AREA"] = [
        Code(id=str(a), name=str(n)) for a, n in zip(areas["area_id"], areas["name"], strict=True)
    ]
    lists["CL_AGE"] = [Code(id=age_code(a), name=a) for a in ages]
    codelists = {
        cl: Codelist(
            id=cl,
            agency=AGENCY,
            version=VERSION,
            name=cl,
            items=items,
            urn=f"{URN}codelist.Codelist={AGENCY}:{cl}({VERSION})",
        )
        for cl, items in lists.items()
    }
    concepts = ConceptScheme(
        id="CS_CRIME_IND",
        agency=AGENCY,
        version=VERSION,
        name="Barrio crime indicator concepts",
        items=[
            Concept(id=c, name=c, urn=f"{URN}conceptscheme.Concept={SCHEME}.{c}")
            for c in (*DIMENSIONS, "OBS_VALUE", *ATTRIBUTES)
        ],
    )
    dsd = _dsd(codelists, concepts)
    flow = Dataflow(
        id=FLOW_ID, agency=AGENCY, version=VERSION, name="Crime indicators", structure=dsd.short_urn
    )
    return [*codelists.values(), concepts, dsd, flow]


def _dsd(codelists: dict[str, Any], concepts: Any) -> Any:
    from pysdmx.model import Component, Components, DataStructureDefinition, DataType, Role

    by_id = {c.id: c for c in concepts.items}

    def component(cid: str, role: Any, required: bool, dtype: Any = None) -> Any:
        codes = codelists.get(CODELIST_OF.get(cid, ""))
        level = "O" if role == Role.ATTRIBUTE else None
        return Component(
            id=cid, required=required, role=role, concept=by_id[cid], local_dtype=dtype,
            local_codes=codes, attachment_level=level,
        )  # fmt: skip

    comps = [component(d, Role.DIMENSION, True, DataType.STRING) for d in DIMENSIONS[:-1]]
    comps.append(component("TIME_PERIOD", Role.DIMENSION, True, DataType.PERIOD))
    comps.append(component("OBS_VALUE", Role.MEASURE, False, DataType.DOUBLE))
    comps += [component(a, Role.ATTRIBUTE, False, DataType.STRING) for a in ATTRIBUTES]
    return DataStructureDefinition(
        id=DSD_ID, agency=AGENCY, version=VERSION, name="Crime indicators",
        components=Components(comps),
    )  # fmt: skip


def write(
    table: pd.DataFrame,
    indicators: list[Indicator],
    areas: pd.DataFrame,
    outdir: Path,
    lang: str = "en",
) -> dict[str, Any]:
    """Write ``structure.xml``, ``data.csv`` (SDMX-CSV 2.0) and ``data.xml`` (SDMX-ML 2.1)."""
    from pysdmx.io import write_sdmx
    from pysdmx.io.format import Format
    from pysdmx.io.pd import PandasDataset

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    obs = observations(table, indicators)
    ages = sorted(table["age_group"].unique().tolist())
    objects = structures(indicators, areas, ages, lang)
    dsd = next(o for o in objects if getattr(o, "id", "") == DSD_ID)
    paths = {k: outdir / f for k, f in (("structure", "structure.xml"),
                                         ("csv", "data.csv"), ("xml", "data.xml"))}  # fmt: skip
    write_sdmx(objects, Format.STRUCTURE_SDMX_ML_2_1, output_path=str(paths["structure"]))
    dataset = PandasDataset(structure=dsd.to_schema(), data=obs)
    write_sdmx([dataset], Format.DATA_SDMX_CSV_2_0_0, output_path=str(paths["csv"]))
    write_sdmx(
        [dataset],
        Format.DATA_SDMX_ML_2_1_STR,
        output_path=str(paths["xml"]),
        dimension_at_observation={dsd.short_urn: "AllDimensions"},
    )
    return {**{k: str(v) for k, v in paths.items()}, "observations": len(obs)}


def validate(outdir: Path) -> list[str]:
    """Problems found when reading the files back against their structure (empty = valid).

    pysdmx checks SDMX-ML against the SDMX 2.1 XML schemas while reading; each data file is
    then bound to the data structure in ``structure.xml`` (``get_datasets``), and every column
    must be a component, every coded value a code of its code list, every dimension present and
    every observation value a number.
    """
    from pysdmx.io import get_datasets, read_sdmx
    from pysdmx.io.pd import PandasDataset

    outdir = Path(outdir)
    problems: list[str] = []
    for ds in get_datasets(outdir / "data.xml", outdir / "structure.xml", validate=True):
        problems += [f"data.xml: {p}" for p in _check_dataset(ds)]
    # pysdmx's CSV reader infers numbers (codes lose leading zeros): read text, bind the schema
    dsd = read_sdmx(outdir / "structure.xml", validate=True).get_data_structure_definitions()[0]
    frame = pd.read_csv(outdir / "data.csv", dtype=str, keep_default_na=False)
    if list(frame.columns[:3]) != ["STRUCTURE", "STRUCTURE_ID", "ACTION"]:
        problems.append("data.csv: not SDMX-CSV 2.0 (STRUCTURE, STRUCTURE_ID, ACTION first)")
    bad_ref = sorted(set(frame["STRUCTURE_ID"]) - {dsd.short_urn.split("=", 1)[1]})
    if bad_ref:
        problems.append(f"data.csv: refers to unknown structures {bad_ref}")
    data = frame.drop(columns=["STRUCTURE", "STRUCTURE_ID", "ACTION"])
    dataset = PandasDataset(structure=dsd.to_schema(), data=data)
    problems += [f"data.csv: {p}" for p in _check_dataset(dataset)]
    return problems


def _check_dataset(ds: Any) -> list[str]:
    """Components, code lists, required dimensions and numeric values of one dataset."""
    from pysdmx.model import Schema

    schema = ds.structure
    if not isinstance(schema, Schema):
        return [f"not bound to a data structure: {schema}"]
    data = ds.data
    components = {c.id: c for c in schema.components}
    problems = [f"column {c} is not in {schema.short_urn}" for c in data.columns
                if c not in components]  # fmt: skip
    for cid, comp in components.items():
        if cid not in data.columns:
            if comp.required:
                problems.append(f"required component {cid} is missing")
            continue
        values = data[cid].astype(str).replace({"<NA>": "", "nan": "", "None": ""})
        if comp.required and (values == "").any():
            problems.append(f"{cid} is empty in {(values == '').sum()} rows")
        if comp.enumeration is not None:
            allowed = {code.id for code in comp.enumeration.codes}
            bad = sorted(set(values[values != ""]) - allowed)
            if bad:
                problems.append(f"{cid}: codes not in {comp.enumeration.id}: {bad[:5]}")
    if "OBS_VALUE" in data.columns:
        numeric = pd.to_numeric(data["OBS_VALUE"], errors="coerce")
        if (
            numeric.isna() & data["OBS_VALUE"].notna() & (data["OBS_VALUE"].astype(str) != "")
        ).any():
            problems.append("OBS_VALUE holds values that are not numbers")
    return problems
