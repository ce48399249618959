"""Opening the mission record and running changes in transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from bluehelmet.config import Settings
from bluehelmet.domain.errors import DatabaseUnavailable, WriteConflict
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import Record
from bluehelmet.storage import migrate
from bluehelmet.storage.database import analyse, begun, make_engine, make_sessionmaker
from bluehelmet.storage.rollup_writes import apply_deltas
from bluehelmet.storage.rollups import ROLLUPS, Deltas, location_sector
from bluehelmet.storage.tables import TABLES, audit_table

__all__ = ["Database", "SchemaStatus", "Transaction"]


@dataclass
class Transaction:
    """One all-or-nothing change: the session, the settings, who is acting, and today's date.

    ``rollup`` collects what the changes add to and take from the incident rollup; it is
    written once, just before the commit (or earlier by ``write_rollup``, before reading it).
    """

    session: Session
    settings: Settings
    actor: str
    rollup: Deltas = field(default_factory=dict, repr=False)
    #: The sector of each location an incident of this transaction was placed through.
    location_sectors: dict[int, int | None] = field(default_factory=dict, repr=False)

    def sector_of(self, location_id: int) -> int | None:
        """The sector of a location, read once a transaction (``moved_location`` keeps it true)."""
        if location_id not in self.location_sectors:
            self.location_sectors[location_id] = location_sector(self.session, location_id)
        return self.location_sectors[location_id]

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction undone on its own when it raises (the exception goes on):
        its rows, audit entries and rollup deltas are taken back, what came before is kept and
        committed with the rest. Many changes each refused or kept on its own then commit once."""
        begun(self.session)
        rollup = {key: list(values) for key, values in self.rollup.items()}
        sectors = dict(self.location_sectors)
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            self.rollup.clear()
            self.rollup.update(rollup)
            self.location_sectors.clear()
            self.location_sectors.update(sectors)
            raise

    def write_rollup(self) -> None:
        """Bring the rollup up to date with the changes made so far in this transaction."""
        if self.rollup:
            apply_deltas(self.session, self.rollup)
            self.rollup.clear()

    @property
    def today(self) -> date:
        return datetime.now(UTC).date()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class SchemaStatus:
    url: str
    backend: str
    before: str | None
    after: str | None


def _describe(error: DBAPIError) -> str:
    text = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return text


class Database:
    """The mission record at ``settings.database_url``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self._sessions = make_sessionmaker(self.engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def init_schema(self) -> SchemaStatus:
        """Create the schema or bring it up to date; running it again changes nothing."""
        try:
            before = migrate.current_revision(self.engine)
            migrate.upgrade(self.engine)
            after = migrate.current_revision(self.engine)
        except DBAPIError as error:
            raise DatabaseUnavailable(f"cannot prepare the database at {self.url}: {_describe(error)}") from None
        return SchemaStatus(self.url, self.engine.dialect.name, before, after)

    def schema_revision(self) -> str | None:
        try:
            return migrate.current_revision(self.engine)
        except DBAPIError as error:
            raise DatabaseUnavailable(f"cannot read the database at {self.url}: {_describe(error)}") from None

    @contextmanager
    def transaction(self, actor: str) -> Iterator[Transaction]:
        """Everything done inside is committed together, or (on any error) not at all."""
        if not actor.strip():
            raise ValueError("every change needs an actor for the audit history")
        session = self._sessions()
        try:
            with session.begin():
                tx = Transaction(session, self.settings, actor)
                yield tx
                tx.write_rollup()
        except IntegrityError as error:
            raise WriteConflict(f"the database refused the change: {_describe(error)}") from None
        except DBAPIError as error:
            hint = "" if self._has_schema() else " (no bluehelmet schema here: run 'bluehelmet init')"
            raise DatabaseUnavailable(f"database error at {self.url}: {_describe(error)}{hint}") from None
        finally:
            session.close()

    @contextmanager
    def single_read(self) -> Iterator[Session]:
        """A session for one statement that reads, outside any transaction (autocommit): one
        statement sees one state of the data by itself, and on PostgreSQL no BEGIN and COMMIT
        go to the server and back around it (every request that carries a token reads its
        holder so). Not for writes, nor for two reads that must agree.

        On SQLite the connection is left as it is: Python's driver sends no BEGIN before a
        SELECT anyway, and handing the connection back from autocommit sets SQLite's
        ``read_uncommitted`` flag again, which expires every statement the connection had
        prepared: each of the next write's statements was compiled again (measured: a
        creation's statements 1.0 ms of processor time, 4.8 ms after the token read so)."""
        try:
            reading = self.engine.connect()
            if reading.dialect.name != "sqlite":
                reading = reading.execution_options(isolation_level="AUTOCOMMIT")
            with reading as connection, Session(bind=connection) as session:
                yield session
        except DBAPIError as error:
            raise DatabaseUnavailable(f"database error at {self.url}: {_describe(error)}") from None

    def _has_schema(self) -> bool:
        try:
            return migrate.current_revision(self.engine) is not None
        except DBAPIError:
            return False

    def analyse(self, cls: type[Record]) -> None:
        """Refresh the planner's statistics of what a large load of ``cls`` wrote (PostgreSQL)."""
        rollup_tables = [r.table for r in ROLLUPS] if cls is Incident else []
        try:
            analyse(self.engine, [TABLES[cls], audit_table, *rollup_tables])
        except DBAPIError as error:
            raise DatabaseUnavailable(f"cannot analyse the database at {self.url}: {_describe(error)}") from None

    def close(self) -> None:
        self.engine.dispose()
