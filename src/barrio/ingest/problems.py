"""Problem rows: the reasons a value or a row is rejected, cleared, corrected or flagged.

Actions:

- ``rejected``: the row is not loaded (missing or unreadable required value, duplicate, ...);
- ``cleared``: the row is loaded without the bad value (an impossible age, an unknown sex);
- ``corrected``: the row is loaded with the value fixed (swapped latitude/longitude);
- ``flagged``: the row is loaded as is but needs attention (unknown category, point outside
  every area).
"""

from __future__ import annotations

from barrio.i18n import _

REJECTED, CLEARED, CORRECTED, FLAGGED = "rejected", "cleared", "corrected", "flagged"

# reason code -> (English message, how to fix); messages are translated when written
REASONS: dict[str, tuple[str, str]] = {
    "missing_value": (
        "required value is missing",
        "fill the value, or map another column to it in the mapping",
    ),
    "bad_date": (
        "not a valid date",
        "use dd/mm/yyyy or yyyy-mm-dd, or set date_format in the mapping",
    ),
    "future_date": ("date is in the future", "check the date"),
    "implausible_date": ("date before 1900", "check the date"),
    "bad_time": ("not a valid time of day", "use HH:MM"),
    "bad_number": ("not a number", "use digits, with a decimal point"),
    "bad_integer": ("not a whole number", "use a whole number"),
    "bad_sex": ("unknown sex value", "use F, M (or Mujer/Hombre), or add it under [values]"),
    "bad_boolean": ("not a yes/no value", "use Sí/No, or add it under [values]"),
    "negative_value": ("negative value", "counts and populations cannot be negative"),
    "implausible_age": ("age outside 0-120", "check the age"),
    "bad_year": ("year outside 1900-2100", "check the year"),
    "bad_coordinates": (
        "coordinates outside the valid range",
        "check latitude/longitude columns and the coordinate CRS",
    ),
    "swapped_coordinates": (
        "latitude and longitude were swapped; fixed",
        "swap the columns in the source or in the mapping",
    ),
    "outside_areas": (
        "point outside every area",
        "check the coordinates, or load areas that cover it",
    ),
    "unknown_category": (
        "category not in the ICCS mapping",
        "add it to the category mapping (barrio classify suggest helps)",
    ),
    "duplicate_row": ("same content as an earlier row", "remove the repeated row"),
    "duplicate_key": (
        "identifier already used by an earlier row with different content",
        "make identifiers unique",
    ),
    "unknown_area_name": (
        "area name not found among the loaded areas",
        "fix the name, load the area, or add the name to [area_aliases] in the mapping",
    ),
    "ambiguous_area_name": (
        "several loaded areas have this name",
        "give the parent area (parent_column), or add the name to [area_aliases]",
    ),
    "approximate_area_name": (
        "area name matched only by its beginning or end; loaded",
        "check the pairing; add the name to [area_aliases] to make it explicit",
    ),
    "total_mismatch": (
        "the category columns do not add up to the total column",
        "check the row in the source",
    ),
    "unknown_level": ("area level not in barrio.toml [areas] levels", "add the level or fix it"),
    "unknown_parent": ("parent area not found", "load the parent area or fix parent_id"),
    "invalid_geometry": ("invalid polygon; repaired", "repair the geometry in a GIS"),
    "empty_geometry": ("missing or empty geometry", "give the area a polygon"),
    "not_polygon": ("geometry is not a polygon", "areas must be polygons or multipolygons"),
}

ACTIONS = (REJECTED, CLEARED, CORRECTED, FLAGGED)


def message(reason: str) -> str:
    """The user-facing message of a reason code, in the current language."""
    text, _fix = REASONS[reason]
    return _(text)


def fix(reason: str) -> str:
    """How to fix a problem of this reason, in the current language."""
    return _(REASONS[reason][1])
