"""Resolve ``area_id`` from area names (files that publish names, not codes: SESNSP municipal).

With ``area_lookup = "name"`` the mapped ``area_id`` column holds names; ``parent_column``
optionally holds the name of each area's direct parent (a municipality's state). Names are
compared by a *key*: lower case, accents and punctuation removed, common abbreviations spelled
out (Gral. → general, Dr. → doctor, Sta. → santa, Cd. → ciudad, Dto. → distrito, ...), the
words de / del / la / las / los / el / y dropped, leading zeros of numbers dropped, spaces
collapsed. Matching runs once per distinct (parent, name) pair of the file, in DuckDB:

1. an alias from the mapping's ``[area_aliases]`` (``"name"`` or ``"Parent/name"`` = area_id);
2. the areas of the target level whose key equals the name's key (under the parent whose key
   equals the parent's key): one area → ``exact``, several → ``ambiguous``;
3. when none: the areas whose key begins or ends with the name's key as whole words, or
   whose key the name's key begins or ends with ("Cintalapa" / "Cintalapa de Figueroa",
   "Heroica Ciudad de Juchitán de Zaragoza" / "Juchitán de Zaragoza"), leaving out areas that
   another name of the file matches exactly: one → ``approximate`` (loaded, and flagged so
   that the user sees the pairing), several → ``ambiguous``;
4. else ``unknown``.

Unknown and ambiguous names are rejected rows with the closest names of the parent as the fix
(rapidfuzz, computed for the few distinct failing names only).
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pyarrow as pa

from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest import parse
from barrio.ingest.options import CountOptions
from barrio.ingest.problems import FLAGGED, REJECTED
from barrio.ingest.stage import Check

ABBREVIATIONS = {
    "gral": "general",
    "dr": "doctor",
    "dra": "doctora",
    "ing": "ingeniero",
    "lic": "licenciado",
    "prof": "profesor",
    "cd": "ciudad",
    "sta": "santa",
    "sto": "santo",
    "sn": "san",
    "stgo": "santiago",
    "gpe": "guadalupe",
    "fco": "francisco",
    "ma": "maria",
    "dto": "distrito",
    "mpio": "municipio",
    "edo": "estado",
    "col": "colonia",
    "hda": "hacienda",
    "pto": "puerto",
}
STOPWORDS = ("de", "del", "la", "las", "los", "el", "y")
STATUS = ("exact", "alias", "approximate", "ambiguous", "unknown", "missing")
EXTRAS = ("__area_status", "__area_text")


def name_key(expr: str) -> str:
    """SQL: the comparison key of a name (see the module docstring)."""
    text = f"lower(strip_accents(CAST({expr} AS VARCHAR)))"
    # words separated by two spaces, so that consecutive words each keep both their spaces
    words = f"'  ' || regexp_replace({text}, '[^a-z0-9]+', '  ', 'g') || '  '"
    for short, full in ABBREVIATIONS.items():
        words = f"replace({words}, ' {short} ', ' {full} ')"
    words = f"regexp_replace({words}, ' ({'|'.join(STOPWORDS)}) ', ' ', 'g')"
    words = f"regexp_replace({words}, ' 0+([0-9])', ' \\1', 'g')"
    return f"trim(regexp_replace({words}, ' +', ' ', 'g'))"


def target_level(
    con: duckdb.DuckDBPyConnection, options: CountOptions, levels: tuple[str, ...]
) -> str:
    """The level the names belong to: ``area_level``, else the finest level with areas."""
    loaded = {r[0] for r in con.execute("SELECT DISTINCT level FROM areas").fetchall()}
    if options.area_level:
        if options.area_level not in loaded:
            raise InputError(
                _("no areas of level {level} are loaded", level=options.area_level),
                hint=_("Loaded levels: {levels}", levels=", ".join(sorted(loaded)) or "-"),
            )
        return options.area_level
    for level in reversed(levels):
        if level in loaded:
            return level
    if loaded:
        return sorted(loaded)[0]
    raise InputError(
        _("area names cannot be resolved: no areas are loaded"),
        hint=_("Load the areas first: barrio ingest areas FILE"),
    )


def resolve_names(
    con: duckdb.DuckDBPyConnection,
    options: CountOptions,
    relation: str,
    name_column: str,
    level: str,
) -> tuple[str, dict[str, str]]:
    """Create the view ``__named``: ``relation`` plus ``__area_id``, ``__area_status`` and
    ``__area_text`` (the name as given, "parent / name"). Returns the view and the raw-text
    override of ``area_id``.
    """
    name = parse.text(name_column)
    parent = parse.text(options.parent_column) if options.parent_column else "NULL"
    con.execute(
        f"""CREATE TEMP TABLE __names AS SELECT DISTINCT {parent} AS p, {name} AS n,
        {name_key("p")} AS pk, {name_key("n")} AS nk FROM {relation}"""
    )
    _candidates(con, level)
    _aliases(con, options)
    con.execute(_MATCH.format(by_parent="c.pk = k.pk" if options.parent_column else "TRUE"))
    con.execute(
        f"""CREATE TEMP VIEW __named AS
        SELECT r.*, m.area_id AS __area_id, m.status AS __area_status, m.given AS __area_text
        FROM {relation} r LEFT JOIN __name_match m
          ON COALESCE({parent}, '') = COALESCE(m.p, '') AND COALESCE({name}, '') = COALESCE(m.n, '')
        """
    )
    return "__named", {"area_id": "__area_id"}


def _candidates(con: duckdb.DuckDBPyConnection, level: str) -> None:
    con.execute(
        f"""CREATE TEMP TABLE __candidates AS
        SELECT c.area_id, c.name, {name_key("c.name")} AS nk, p.name AS parent,
               {name_key("p.name")} AS pk
        FROM areas c LEFT JOIN areas p ON p.area_id = c.parent_id WHERE c.level = ?""",
        [level],
    )


def _aliases(con: duckdb.DuckDBPyConnection, options: CountOptions) -> None:
    """``__aliases(pk, nk, area_id)`` from ``[area_aliases]``.

    An alias's target is an ``area_id`` or an area name (under the alias's parent, if given),
    so that a shipped mapping works whatever codes the user's areas have; a target that is not
    loaded resolves nothing (the name is then reported as unknown).
    """
    keys = list(options.area_aliases)
    table = pa.table(
        {
            "parent": pa.array(
                [k.split("/", 1)[0] if "/" in k else None for k in keys], pa.string()
            ),
            "name": pa.array([k.split("/", 1)[-1] for k in keys], pa.string()),
            "target": pa.array(list(options.area_aliases.values()), pa.string()),
        }
    )
    con.register("__alias_arrow", table)
    con.execute(
        f"""CREATE TEMP TABLE __aliases AS
        WITH a AS (SELECT {name_key("parent")} AS pk, {name_key("name")} AS nk, target,
                          {name_key("target")} AS tk FROM __alias_arrow)
        SELECT a.pk, a.nk, c.area_id FROM a JOIN __candidates c
          ON c.area_id = a.target OR (c.nk = a.tk AND (a.pk IS NULL OR c.pk = a.pk))"""
    )
    con.unregister("__alias_arrow")


_MATCH = """CREATE TEMP TABLE __name_match AS
WITH alias AS (
  SELECT k.p, k.n, min(a.area_id) AS area_id, count(DISTINCT a.area_id) AS hits
  FROM __names k JOIN __aliases a ON a.nk = k.nk AND (a.pk IS NULL OR a.pk = k.pk) GROUP BY ALL
), exact AS (
  SELECT k.p, k.n, min(c.area_id) AS area_id, count(DISTINCT c.area_id) AS hits
  FROM __names k JOIN __candidates c ON c.nk = k.nk AND {by_parent} GROUP BY ALL
), loose AS (
  SELECT k.p, k.n, min(c.area_id) AS area_id, count(DISTINCT c.area_id) AS hits
  FROM __names k JOIN __candidates c ON {by_parent}
   AND (starts_with(c.nk || ' ', k.nk || ' ') OR ends_with(' ' || c.nk, ' ' || k.nk)
        OR starts_with(k.nk || ' ', c.nk || ' ') OR ends_with(' ' || k.nk, ' ' || c.nk))
  WHERE k.nk <> ''
    AND NOT EXISTS (SELECT 1 FROM exact e WHERE e.p IS NOT DISTINCT FROM k.p AND e.n = k.n)
    AND c.area_id NOT IN (SELECT area_id FROM exact WHERE hits = 1
                          UNION ALL SELECT area_id FROM alias WHERE hits = 1)
  GROUP BY ALL
)
SELECT k.p, k.n, CASE WHEN k.p IS NULL THEN k.n ELSE k.p || ' / ' || k.n END AS given,
  CASE WHEN k.n IS NULL THEN 'missing'
       WHEN a.hits = 1 THEN 'alias'
       WHEN e.hits = 1 THEN 'exact'
       WHEN e.hits > 1 THEN 'ambiguous'
       WHEN l.hits = 1 THEN 'approximate'
       WHEN l.hits > 1 THEN 'ambiguous'
       ELSE 'unknown' END AS status,
  CASE WHEN a.hits = 1 THEN a.area_id WHEN e.hits = 1 THEN e.area_id
       WHEN e.hits IS NULL AND l.hits = 1 THEN l.area_id END AS area_id
FROM __names k
LEFT JOIN alias a ON a.p IS NOT DISTINCT FROM k.p AND a.n IS NOT DISTINCT FROM k.n
LEFT JOIN exact e ON e.p IS NOT DISTINCT FROM k.p AND e.n IS NOT DISTINCT FROM k.n
LEFT JOIN loose l ON l.p IS NOT DISTINCT FROM k.p AND l.n IS NOT DISTINCT FROM k.n"""


def name_checks(checks: list[Check]) -> list[Check]:
    """The counts checks with ``area_id`` read from names: a blank name is missing; unknown and
    ambiguous names are rejected; approximate matches are flagged."""
    out = [
        replace(c, condition="__area_status = 'missing'")
        if c.column == "area_id" and c.reason == "missing_value"
        else c
        for c in checks
    ]
    return [
        *out,
        Check("area_id", "__area_status = 'unknown'", "unknown_area_name", REJECTED),
        Check("area_id", "__area_status = 'ambiguous'", "ambiguous_area_name", REJECTED),
        Check("area_id", "__area_status = 'approximate'", "approximate_area_name", FLAGGED),
    ]


def name_hints(con: duckdb.DuckDBPyConnection, limit: int = 3) -> list[tuple[str, str, str]]:
    """(reason, name as given, fix listing the closest names) for every failing name.

    Also fills ``__hints`` (read when the rejects file is written). Approximate matches get
    the area they were matched to.
    """
    from rapidfuzz import fuzz, process

    failing = con.execute(
        """SELECT m.given, m.status, k.pk, k.nk, c.name FROM __name_match m
        JOIN __names k ON k.p IS NOT DISTINCT FROM m.p AND k.n IS NOT DISTINCT FROM m.n
        LEFT JOIN __candidates c ON c.area_id = m.area_id
        WHERE m.status IN ('unknown', 'ambiguous', 'approximate') ORDER BY m.given"""
    ).fetchall()
    candidates = con.execute("SELECT pk, nk, name, parent FROM __candidates").fetchall()
    by_parent: dict[str | None, list[tuple[str, str]]] = {}
    for pk, nk, name, _parent in candidates:
        by_parent.setdefault(pk, []).append((nk, name))
    everywhere = [
        (nk, f"{name} ({parent})" if parent else name) for pk, nk, name, parent in candidates
    ]
    rows = []
    for given, status, pk, nk, matched in failing:
        if status == "approximate":
            rows.append(("approximate_area_name", given, _("matched to {name}", name=matched)))
            continue
        if pk is not None and pk not in by_parent:
            parents = sorted({(k, p) for k, _n, _name, p in candidates if p}, key=str)
            found = process.extract(pk, [k for k, _p in parents], scorer=fuzz.WRatio, limit=limit)
            names = ", ".join(parents[i][1] for _k, _score, i in found)
            fix = _("no parent area of that name; closest: {names}", names=names)
            rows.append((f"{status}_area_name", given, fix))
            continue
        pool = by_parent[pk] if pk is not None else everywhere
        found = process.extract(nk or "", [k for k, _n in pool], scorer=fuzz.WRatio, limit=limit)
        names = ", ".join(pool[i][1] for _k, _score, i in found)
        reason = f"{status}_area_name"
        fix = (
            _("closest names: {names}; or add the name to [area_aliases]", names=names)
            if status == "unknown"
            else _("several areas match: {names}; add the name to [area_aliases]", names=names)
        )
        rows.append((reason, given, fix))
    con.register(
        "__hint_arrow",
        pa.table(
            {
                "reason": pa.array([r[0] for r in rows], pa.string()),
                "value": pa.array([r[1] for r in rows], pa.string()),
                "hint": pa.array([r[2] for r in rows], pa.string()),
            }
        ),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE __hints AS SELECT * FROM __hint_arrow")
    con.unregister("__hint_arrow")
    return rows


def name_warnings(hints: list[tuple[str, str, str]]) -> list[str]:
    """Warnings of the run: the names not resolved (the rejects file has them all) and how
    many were matched approximately."""
    failed = [given for reason, given, _fix in hints if reason != "approximate_area_name"]
    loose = len(hints) - len(failed)
    out = []
    if failed:
        shown = "; ".join(failed[:10]) + (" ..." if len(failed) > 10 else "")
        out.append(
            _(
                "{n} area names were not found or are ambiguous (rows rejected; the rejects "
                "file lists the closest names): {names}",
                n=len(failed),
                names=shown,
            )
        )
    if loose:
        out.append(
            _(
                "{n} area names matched an area only approximately (rows loaded and flagged; "
                "check them in the rejects file)",
                n=loose,
            )
        )
    return out
