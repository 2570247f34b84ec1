"""Settings of the portal: which workspace it serves and how it signs cookies.

Kept free of FastAPI so the CLI can build them cheaply. Values come from the arguments, then the
``[web]`` table of ``barrio.toml``, then the environment (``BARRIO_SECRET_KEY``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET_FILE = ".barrio-secret"


@dataclass(frozen=True)
class WebSettings:
    """Everything ``create_app`` needs.

    ``secret_key`` signs session cookies and CSRF tokens; ``secure_cookies`` must stay on behind
    HTTPS and is turned off only for plain-HTTP development on localhost and in tests.
    """

    workspace: Path
    secret_key: str
    secure_cookies: bool = True
    session_max_age: int = 8 * 3600
    login_attempts: int = 5
    login_window_seconds: int = 300
    tiles_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_workspace(cls, workspace: str | Path, **overrides: Any) -> WebSettings:
        """Settings for ``workspace``: ``[web]`` in barrio.toml, env, then ``overrides``.

        Without a configured secret a random one is created once and kept (mode 600) in the
        workspace, so sessions survive restarts and every worker process signs alike.
        """
        import tomllib

        root = Path(workspace)
        values: dict[str, Any] = {}
        toml = root / "barrio.toml"
        if toml.exists():
            values.update(tomllib.loads(toml.read_text(encoding="utf-8")).get("web", {}))
        if os.environ.get("BARRIO_SECRET_KEY"):
            values["secret_key"] = os.environ["BARRIO_SECRET_KEY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values.get("secret_key"):
            values["secret_key"] = _workspace_secret(root)
        known = {f for f in cls.__dataclass_fields__ if f not in ("workspace", "extra")}
        extra = {k: v for k, v in values.items() if k not in known}
        return cls(
            workspace=root,
            extra=extra,
            **{k: v for k, v in values.items() if k in known},
        )


def _workspace_secret(root: Path) -> str:
    path = root / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key
