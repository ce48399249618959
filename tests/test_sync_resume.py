"""A sync cut at every step of the protocol resumes with nothing lost or doubled.

Each round makes changes on the node and on the server, then runs a sync that is cut at one
step: a request lost before it reaches the server, an answer lost after the server acted on
it (the connection dropped mid-transfer, through a real loopback proxy that closes the
connection after the first bytes of the answer), or the node's process dying just before it
commits what it received. The next sync must leave the node and the server holding the same
records with the same histories, each change applied once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import sync_client
from bluehelmet.services.database import Database
from bluehelmet.storage import sync_tables
from tests.test_sync_flow import World, edit, history, joined, make_world, new_incident, state


@pytest.fixture
def world(postgres_url: str) -> Iterator[World]:
    yield from make_world(postgres_url)


@pytest.fixture
def blank(sqlite_template: Path) -> Path:
    return sqlite_template


class Cut(Exception):
    pass


class Flaky(httpx.BaseTransport):
    """Passes requests on, but at call ``at`` loses the request ("before") or the answer ("after")."""

    def __init__(self, at: int, how: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.at, self.how, self.calls = at, how, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        n, self.calls = self.calls, self.calls + 1
        if n == self.at and self.how == "before":
            raise httpx.ConnectError("cut before the request", request=request)
        response = self.inner.handle_request(request)
        if n == self.at and self.how == "after":
            response.read()
            raise httpx.ReadError("cut after the server answered", request=request)
        return response


def _east(world: World) -> dict[str, Any]:
    return {k: v for k, v in state(world.server, "Incident").items() if k != world.uids["west_incident"]}


def _round(world: World, node: Database, n: int) -> None:
    made = new_incident(node, "kidal-officer", f"patrol report {n}")
    edit(node, "kidal-officer", made, notes=f"patrol report {n}, corrected")
    edit(node, "kidal-officer", world.uids["east_incident"], notes=f"update {n}")
    from_hq = new_incident(world.server, "hq-analyst", f"hq report {n}")
    edit(world.server, "hq-analyst", from_hq, perpetrator=f"group {n}")


def _agree(world: World, node: Database) -> None:
    assert state(node, "Incident") == _east(world)
    on_server = history(world.server, "Incident")
    for uid, entries in history(node, "Incident").items():
        assert entries == on_server[uid]  # the same changes, once each
        assert [e[0] for e in entries] == list(range(1, len(entries) + 1))
    assert sync_client.sync(node, "kidal-officer").as_json() == {"pushed": 0, "pulled": 0, "conflicts": 0}


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two changes a request, so that a sync takes several steps to cut between."""
    monkeypatch.setattr(sync_client, "BATCH", 2)


@pytest.mark.usefixtures("small_batches")
def test_a_sync_cut_at_every_request_resumes_with_nothing_lost_or_doubled(
    world: World,
    tmp_path: Path,
    blank: Path,
) -> None:
    node = joined(world, tmp_path, "kidal", blank)
    cuts = rounds = 0
    for how in ("before", "after"):
        for at in range(4):
            rounds += 1
            _round(world, node, rounds)
            flaky = Flaky(at, how)
            try:
                sync_client.sync(node, "kidal-officer", transport=flaky)
            except BluehelmetError as error:
                assert "cannot reach the server" in str(error)
                cuts += 1
            finally:
                flaky.inner.close()
            sync_client.sync(node, "kidal-officer")
            _agree(world, node)
    assert cuts >= 6  # a sync here takes three requests (two pushes, a pull): each was cut both ways


@pytest.mark.usefixtures("small_batches")
def test_a_node_dying_before_it_commits_what_it_received_resumes(
    world: World,
    tmp_path: Path,
    blank: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node = joined(world, tmp_path, "kidal", blank)
    real = sync_tables.set_peer
    for at in range(3):  # a sync here commits three times: after each push, after the pull
        _round(world, node, at)
        calls = iter(range(100))

        def dying(session: Any, values: dict[str, Any], at: int = at, calls: Iterator[int] = calls) -> None:
            if next(calls) == at:
                raise Cut("the laptop went off")
            real(session, values)

        monkeypatch.setattr(sync_tables, "set_peer", dying)
        with pytest.raises(Cut):
            sync_client.sync(node, "kidal-officer")
        monkeypatch.setattr(sync_tables, "set_peer", real)
        sync_client.sync(node, "kidal-officer")
        _agree(world, node)


class DroppingProxy:
    """A loopback TCP proxy that forwards a request whole, then closes the connection after the
    first ``keep`` bytes of the answer (a satellite link dropping mid-transfer)."""

    def __init__(self, target: str, keep: int) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target, self.keep = (host, int(port)), keep
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.dropped = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        stop = threading.Event()

        def forward() -> None:
            try:
                while not stop.is_set() and (data := client.recv(65536)):
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=forward, daemon=True).start()
        sent = 0
        try:
            while data := upstream.recv(65536):
                if sent + len(data) > self.keep:
                    client.sendall(data[: self.keep - sent])
                    self.dropped += 1
                    break
                client.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            stop.set()
            for end in (client, upstream):  # shut down first: a close alone waits for the blocked reader
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(world: World) -> Iterator[DroppingProxy]:
    dropping = DroppingProxy(world.url, keep=120)
    yield dropping
    dropping.close()


def test_a_connection_dropped_mid_transfer_by_a_proxy_loses_nothing(
    world: World,
    tmp_path: Path,
    blank: Path,
    proxy: DroppingProxy,
) -> None:
    node = joined(world, tmp_path, "kidal", blank)
    _round(world, node, 1)
    with node.transaction("setup") as tx:  # the node speaks to the server through the proxy
        sync_tables.set_peer(tx.session, {"server_url": proxy.url})
    with pytest.raises(BluehelmetError, match="cannot reach the server"):
        sync_client.sync(node, "kidal-officer")
    assert proxy.dropped == 1
    with node.transaction("setup") as tx:
        sync_tables.set_peer(tx.session, {"server_url": world.url})
    sync_client.sync(node, "kidal-officer")
    _agree(world, node)


def test_long_texts_are_pushed_in_several_requests_each_under_the_limit(
    world: World, tmp_path: Path, blank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = joined(world, tmp_path, "kidal", blank)
    monkeypatch.setattr(sync_client, "PUSH_BYTES", 40_000)
    sizes: list[int] = []

    class Measured(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                sizes.append(len(request.read()))
            return super().handle_request(request)

    made = [new_incident(node, "kidal-officer", f"long report {n} " + "sand and wind " * 1400) for n in range(5)]
    transport = Measured()
    result = sync_client.sync(node, "kidal-officer", transport=transport)
    transport.close()
    assert result.pushed == 5 and len(sizes) >= 3 and max(sizes) < 40_000 + 25_000, sizes
    assert set(made) <= set(state(world.server, "Incident"))
