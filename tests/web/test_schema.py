"""Schemathesis against the API's OpenAPI schema: generated requests never get a server error.

Every operation of /openapi.json (the public API and the admin API, the latter answered
without credentials) gets a bounded number of generated requests, sent to the ASGI app in
process; the run stays well under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest

EXAMPLES = 8


def test_openapi_schema_is_served(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in ("/api/v1/home", "/api/v1/indicators/{indicator_id}", "/api/v1/recommendations"):
        assert path in paths
    assert not any(p.startswith(("/static", "/indicators")) for p in paths), "pages stay out"


def test_no_server_errors(portal: Any, client: Any) -> None:
    import schemathesis

    schema = schemathesis.openapi.from_asgi("/openapi.json", portal)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []

    for operation in operations:
        check(operation, failures)()
    assert not failures, "\n".join(failures[:10])


def check(operation: Any, failures: list[str]) -> Any:
    """A Hypothesis test sending generated requests for ``operation``."""
    from hypothesis import HealthCheck, Phase, given, settings

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call()
        if response.status_code >= 500:
            failures.append(
                f"{operation.method.upper()} {case.formatted_path} {case.query}: "
                f"{response.status_code} {response.text[:200]}"
            )

    return run


@pytest.mark.parametrize("path", ["/api/v1/home", "/api/v1/nowhere", "/api/v1/indicators/x"])
def test_envelope_shape_everywhere(client: Any, path: str) -> None:
    body = client.get(path).json()
    if body["ok"]:
        assert set(body) <= {"ok", "data", "meta"}
    else:
        assert set(body) == {"ok", "error"}
        assert {"code", "message", "details"} <= set(body["error"])
