"""Trustworthy restores (finding 9): a backup's manifest is signed with the server's secret key;
a restore refuses an archive whose rows were edited and checksums recomputed, one signed with
another key, and an unsigned one, unless the operator says ``trust_unsigned``; and an archive
without the accounts, the tokens or the audit history is refused whatever is said."""

from __future__ import annotations

import hashlib
import json
import lzma
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import accounts, records
from bluehelmet.services.backup import BackupError, backup, restore
from bluehelmet.services.database import Database
from tests.factories import make
from tests.test_backup import lines_of, set_lines

KEY = "the-servers-secret-key-long-and-random-0123456789"
PASSWORD = "a sound passphrase 42"


@pytest.fixture
def source(db: Database, tmp_path: Path) -> Path:
    """A signed backup of a small mission with an account and a token."""
    with db.transaction("tester") as tx:
        make(tx, "Incident", fatalities=0, killed_peacekeepers=0, injured_peacekeepers=0)
    accounts.add_account(db, "tester", "boss", "admin", password=PASSWORD)
    accounts.issue_token(db, "tester", "boss")
    path = tmp_path / "signed.zip"
    backup(db, path, key=KEY)
    return path


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Callable[[], Database]]:
    made: list[Database] = []

    def new() -> Database:
        made.append(Database(Settings(database_url=f"sqlite:///{tmp_path / f'target{len(made)}.db'}", secret_key=KEY)))
        return made[-1]

    yield new
    for database in made:
        database.close()


def _rewrite(path: Path, out: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """A copy of the archive with ``change`` made to its files, the manifest's counts and
    checksums computed again (as someone editing it would), the signature kept as it was."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    change(files)
    manifest = json.loads(files["manifest.json"])
    for name in list(manifest["tables"]):
        entry = manifest["tables"][name]
        if entry["file"] not in files:
            del manifest["tables"][name]
            continue
        body = lzma.decompress(files[entry["file"]])
        entry["rows"] = sum(len(json.loads(line)[0]) for line in body.splitlines()[1:])
        entry["sha256"] = hashlib.sha256(body).hexdigest()
    files["manifest.json"] = json.dumps(manifest, indent=2).encode()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out


def test_a_signed_backup_restores_and_carries_its_signature(source: Path, target: Callable[[], Database]) -> None:
    with zipfile.ZipFile(source) as archive:
        signature = json.loads(archive.read("signature.json"))
    assert signature["algorithm"] == "HMAC-SHA256" and len(signature["signature"]) == 64
    restored = restore(target(), source)
    assert restored.tables["account"]["rows"] == 1


def test_rows_edited_with_checksums_recomputed_are_refused(source: Path, target: Callable[[], Database]) -> None:
    def edit(files: dict[str, bytes]) -> None:
        rows = lines_of(files, "incident")
        rows[1][rows[0].index("notes")][0] = "rewritten by someone"
        set_lines(files, "incident", rows)
        audit = lines_of(files, "audit_entry")
        audit[1][audit[0].index("actor")][0] = "nobody"
        set_lines(files, "audit_entry", audit)

    edited = _rewrite(source, source.with_name("edited.zip"), edit)
    with pytest.raises(BackupError, match="changed since"):
        restore(target(), edited)
    trusted = target()
    restore(trusted, edited, trust_unsigned=True)  # the operator's word, for an archive they know
    with trusted.transaction("tester") as tx:
        assert records.list_records(tx, "Incident")[0].notes == "rewritten by someone"


def test_an_unsigned_or_foreign_archive_is_refused_unless_trusted(
    db: Database, source: Path, target: Callable[[], Database], tmp_path: Path
) -> None:
    unsigned = _rewrite(source, tmp_path / "unsigned.zip", lambda files: files.pop("signature.json"))
    with pytest.raises(BackupError, match="not signed"):
        restore(target(), unsigned)
    foreign = tmp_path / "foreign.zip"
    backup(db, foreign, key="another-servers-key-long-and-random-987654321")
    with pytest.raises(BackupError, match="another server's key"):
        restore(target(), foreign)
    restore(target(), foreign, trust_unsigned=True)


@pytest.mark.parametrize("table", ["account", "api_token", "audit_entry"])
def test_an_archive_without_accounts_tokens_or_audit_is_refused(
    source: Path, target: Callable[[], Database], table: str, tmp_path: Path
) -> None:
    lacking = _rewrite(source, tmp_path / f"without-{table}.zip", lambda files: files.pop(f"tables/{table}.jsonl.xz"))
    for trust in (False, True):
        with pytest.raises(BackupError, match=f"lacks tables every backup holds: {table}|changed since"):
            restore(target(), lacking, trust_unsigned=trust)
    with pytest.raises(BackupError, match=f"lacks tables every backup holds: {table}"):
        restore(target(), lacking, trust_unsigned=True)
