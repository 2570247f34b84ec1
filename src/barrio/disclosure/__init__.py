"""Statistical disclosure control for everything Barrio publishes.

Every public output (``barrio export ... --public``, the portal, public reports) goes through
these functions:

- :func:`protect`: primary suppression of small cells of sensitive series (threshold rule,
  ``k`` from ``[disclosure]`` in barrio.toml) and complementary suppression so that no hidden
  cell can be derived from the published totals, proved by a linear-algebra audit
  (:func:`recoverable`);
- :func:`barrio.disclosure.service.public_indicators`: the same for a workspace's indicator
  table, with the workspace's settings and indicator catalog;
- :func:`barrio.disclosure.survey.public_estimates`: survey estimates shown only with an
  acceptable quality flag;
- :func:`barrio.disclosure.service.check_no_coordinates`: no incident location finer than a
  grid cell or an area in a public file.

See docs/disclosure.md for the method and what it does not guarantee.
"""

from barrio.disclosure.audit import recoverable
from barrio.disclosure.relations import DisclosureError, Relations, relations
from barrio.disclosure.suppress import DEFAULT_K, ProtectedTable, protect

__all__ = [
    "DEFAULT_K",
    "DisclosureError",
    "ProtectedTable",
    "Relations",
    "protect",
    "recoverable",
    "relations",
]
