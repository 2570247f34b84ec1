"""Shared test fixtures: the real data folder and the synthetic fixture city."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skip the test (fail in CI) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") or os.environ.get("BARRIO_REQUIRE_SERVICES"):
            pytest.fail(f"{path} is required in CI but missing")
        pytest.skip(f"real data not available: {path}")
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder (skips locally when absent)."""
    return shared_path()


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests read messages in English unless they choose a language; reset it after each."""
    from barrio.i18n import set_locale

    set_locale("en")
    yield
    set_locale("en")


def _require_services() -> bool:
    return bool(os.environ.get("BARRIO_REQUIRE_SERVICES"))


def _missing_service(reason: str) -> None:
    """Skip locally, fail in CI (``BARRIO_REQUIRE_SERVICES=1``)."""
    if _require_services():
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


POSTGRES_SERVER_URL = os.environ.get(
    "BARRIO_TEST_POSTGRES", "postgresql://barrio:barrio@127.0.0.1:5432/barrio_test"
)


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database (PostGIS enabled) for one test; dropped afterwards.

    The server is ``BARRIO_TEST_POSTGRES`` (default: the one `.ci/run` starts). Yields a
    ``postgresql://`` URL.
    """
    import uuid

    try:
        import psycopg
    except ImportError:
        _missing_service("psycopg is not installed (pip install -e '.[postgres]')")
    try:
        admin = psycopg.connect(POSTGRES_SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _missing_service(f"PostgreSQL not reachable at {POSTGRES_SERVER_URL}: {exc}")
    name = f"barrio_t_{uuid.uuid4().hex[:12]}"
    base = POSTGRES_SERVER_URL.rsplit("/", 1)[0]
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def spark_session():
    """A local-mode Spark session shared by the whole test session (starting one takes ~20 s)."""
    import shutil
    import sys
    import tempfile

    # local workers must run this interpreter (it has pyarrow, shapely and barrio)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _missing_service("pyspark is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        _missing_service("no Java runtime for Spark (apt-get install default-jre-headless)")
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("barrio-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="barrio-spark-"))
        .getOrCreate()
    )
    yield spark
    spark.stop()


def require_binary(name: str, package: str) -> str:
    """The path of a system program the test needs: skip locally, fail in CI when absent."""
    import shutil

    path = shutil.which(name)
    if path is None:
        _missing_service(f"{name} is not installed (apt-get install {package})")
    return str(path)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium for browser tests (Playwright drives it; never `playwright install`)."""
    return require_binary("chromium", "chromium")


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small fixture city after the whole demo (indicators, priority set, alerts, diagnosis,
    risk matrix, recommendations, assessment): built once per test process, read only.

    Tests that change it copy it first (``shutil.copytree``).
    """
    from barrio.demo import run_demo

    root = tmp_path_factory.mktemp("demo") / "city"
    run_demo(root, size="small", seed=2020)
    return root
