"""Every test that touches data runs on a real database of its own, on SQLite and on PostgreSQL.

PostgreSQL: the server at BLUEHELMET_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432).
A throw-away database is created for the run and dropped after it; each test starts on empty
tables. If the server does not answer, those tests are skipped with the reason, except under
CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.reference.loader import load_reference
from bluehelmet.services import accounts as accounts_service
from bluehelmet.services.database import Database, Transaction
from bluehelmet.storage import rollups
from bluehelmet.storage.tables import TABLES, metadata

# Accounts are made by the thousand in this suite, and a password's hash costs 50 ms or more at
# the product's setting (services/accounts.HASH_*, which test_security_access checks): tests
# hash theirs at argon2id's lowest cost. Nothing here is a stored password anyone could steal.
accounts_service._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
accounts_service._DUMMY_HASH = accounts_service._HASHER.hash("not a password of anyone")

POSTGRES_URL = os.environ.get("BLUEHELMET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


def require_shared_data(path: Path) -> None:
    """Skip a test that reads the project's shared source data when it is not beside the clone
    (a laptop); under CI=true, where it always is, its absence is a failure, not a skip."""
    if path.exists():
        return
    reason = f"the shared source data is not here ({path})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: these tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    database.init_schema()
    database.close()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped at the end."""
    admin_url = make_url(POSTGRES_URL)
    name = f"bluehelmet_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        reason = f"PostgreSQL at {admin_url.render_as_string(hide_password=True)} does not answer: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    database = Database(Settings(database_url=url))
    database.init_schema()
    database.close()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def rollups_left_true(request: pytest.FixtureRequest, database: Database) -> None:
    """After a test that wrote incidents through the services (an import, the API, a page), every
    rollup row equals a recount of the incidents (`bluehelmet rollup check`). A test that writes
    behind the services' back on purpose says so with ``@pytest.mark.rollups_behind_back``."""
    if request.node.get_closest_marker("rollups_behind_back"):
        return
    incident = TABLES[Incident]
    with database.transaction("rollup check") as tx:
        if tx.session.execute(incident.select().limit(1)).first() is None:
            return
        stored, fresh = rollups.rollup_rows(tx.session), rollups.rollup_rows(tx.session, fresh=True)
    wrong = sorted(set(stored.items()) ^ set(fresh.items()), key=repr)[:5]
    assert not wrong, f"rollups differ from a recount after {request.node.nodeid}: {wrong}"


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated mission record on each backend; its rollups checked against a recount
    when the test is done (``rollups_left_true``)."""
    url = _url_for(request, tmp_path)
    database = Database(Settings(database_url=url))
    yield database
    try:
        rollups_left_true(request, database)
    finally:
        database.close()


def _url_for(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
        return url
    path = tmp_path / "mission.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def reference_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The reference mission loaded once per test process into a SQLite file (closed): a test or
    module that needs it copies the file, in milliseconds, where loading it takes seconds."""
    path = tmp_path_factory.mktemp("reference-file") / "minusma.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    try:
        load_reference(database, "tester")
    finally:
        database.close()
    return path


def copy_of(source: Path, target: Path) -> Path:
    """``source`` (a closed SQLite file) copied to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


@pytest.fixture(scope="session")
def reference_postgres_template(request: pytest.FixtureRequest) -> Iterator[str]:
    """The reference mission loaded once per test process into a PostgreSQL database that no
    test connects to, so that ``CREATE DATABASE ... TEMPLATE`` can copy it."""
    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"{base.database}_reftpl"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(Settings(database_url=base.set(database=name).render_as_string(hide_password=False)))
    try:
        database.init_schema()
        load_reference(database, "tester")
    finally:
        database.close()
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def reference_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the reference mission on each backend, which the test may change."""
    if request.param == "sqlite":
        path = copy_of(request.getfixturevalue("reference_file"), tmp_path / "minusma.db")
        database = Database(Settings(database_url=f"sqlite:///{path}"))
        yield database
        try:
            rollups_left_true(request, database)
        finally:
            database.close()
        return
    template = request.getfixturevalue("reference_postgres_template")
    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"{base.database}_refcopy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    database = Database(Settings(database_url=base.set(database=name).render_as_string(hide_password=False)))
    try:
        yield database
        rollups_left_true(request, database)
    finally:
        database.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def reference_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The reference mission, loaded once per backend per test run into a database of its own
    (read only: the tests that use it must not change it)."""
    if request.param == "sqlite":
        path = copy_of(request.getfixturevalue("reference_file"), tmp_path_factory.mktemp("reference") / "minusma.db")
        database = Database(Settings(database_url=f"sqlite:///{path}"))
        yield database
        database.close()
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"{base.database}_ref"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    template = request.getfixturevalue("reference_postgres_template")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    database = Database(Settings(database_url=base.set(database=name).render_as_string(hide_password=False)))
    try:
        yield database
    finally:
        database.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def tx(db: Database) -> Iterator[Transaction]:
    """A transaction on ``db`` acting as 'tester', committed when the test ends without error."""
    with db.transaction("tester") as transaction:
        yield transaction
