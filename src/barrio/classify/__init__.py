"""ICCS hierarchy and local-category mappings.

- :mod:`barrio.classify.iccs`: the ICCS v1.0 code list (with a ``status`` per code) and
  hierarchy queries (``level``, ``parent``, ``ancestors``, ``children``, ``descendants``,
  vectorised ``is_within`` and ``section_of``);
- :mod:`barrio.classify.mapping`: ``load_mapping`` / ``available_mappings`` and
  ``CategoryMapping.apply`` to classify a column of local category names;
- :mod:`barrio.classify.suggest`: ``suggest`` ICCS codes for unmapped categories.

See docs/classification.md.
"""

from __future__ import annotations

from barrio.classify.iccs import (
    ancestors,
    children,
    descendants,
    is_within,
    level,
    load_iccs,
    parent,
    section_of,
)
from barrio.classify.mapping import CategoryMapping, available_mappings, load_mapping
from barrio.classify.normalize import normalize_key, normalize_keys
from barrio.classify.suggest import suggest

__all__ = [
    "CategoryMapping",
    "ancestors",
    "available_mappings",
    "children",
    "descendants",
    "is_within",
    "level",
    "load_iccs",
    "load_mapping",
    "normalize_key",
    "normalize_keys",
    "parent",
    "section_of",
    "suggest",
]
