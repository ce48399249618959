"""README's "Using it" runs as written: every command of its blocks, in order, in an empty folder,
with the installed ``bluehelmet`` first on the PATH, must exit 0. ``export``/``unset`` lines carry
to the next commands, as in a shell. Two things differ from a reader's run, and only in names: the
PostgreSQL database ``mission`` gets a name of its own for this run (and is dropped after it), and
``bluehelmet serve`` is started, asked for ``/healthz`` at the address it prints, and stopped.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

README = Path(__file__).parents[1] / "README.md"
BIN = Path(sys.executable).parent


def using_it() -> list[str]:
    """The commands of the "Using it" section, continuation lines joined, in reading order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip():
                commands.append(line.strip())
    return commands


def test_the_section_is_found_and_covers_the_main_commands() -> None:
    commands = " ".join(using_it())
    for needed in ("bluehelmet demo", "report letter", "import acled", "restore", "bluehelmet serve", "audit"):
        assert needed in commands, needed


def _postgres_answers() -> bool:
    return (
        shutil.which("pg_isready") is not None
        and subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0
    )


def _serve(command: str, env: dict[str, str], cwd: Path) -> None:
    """Start `command`, wait for /healthz at the address README gives, then stop it."""
    words = shlex.split(command, comments=True)
    process = subprocess.Popen(words, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    answered = False
    deadline = time.monotonic() + 60
    while not answered and process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=2) as answer:
                answered = answer.status == 200
        except OSError:
            time.sleep(0.3)
    process.terminate()
    output, _ = process.communicate(timeout=20)
    assert answered, f"`{command}` did not answer on 127.0.0.1:8000:\n{output}"


@pytest.mark.postgresql
def test_every_command_of_using_it_runs_as_written(tmp_path: Path) -> None:
    if not _postgres_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL does not answer on 127.0.0.1:5432 (CI=true: this test must run)")
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    database = f"bluehelmet_readme_{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEHELMET_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    try:
        for written in using_it():
            command = re.sub(r"(5432/|-U postgres )mission\b", rf"\g<1>{database}", written)
            words = shlex.split(command, comments=True)
            if words[0] == "export":
                name, _, value = words[1].partition("=")
                env[name] = value
                continue
            if words[0] == "unset":
                env.pop(words[1], None)
                continue
            if words[:2] == ["bluehelmet", "serve"]:
                _serve(command, env, tmp_path)
                continue
            done = subprocess.run(
                ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
            )
            assert done.returncode == 0, f"`{command}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        assert (tmp_path / "lettre.pdf").read_bytes().startswith(b"%PDF")
        assert (tmp_path / "mine.db").exists() and (tmp_path / "synth.db").exists()
    finally:
        admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(
            ["psql", admin, "-q", "-c", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
            capture_output=True,
            check=False,
        )
