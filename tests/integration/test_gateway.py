"""The NetBox gateway against the real NetBox, and against real transport failures."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from colo.errors import Unavailable, UpstreamRejected
from dcim.netbox import NetBoxGateway
from devtools.netbox.paths import NetBoxState
from tests.servers import free_port


@contextmanager
def loopback_server(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """A real TCP server on a free loopback port; `answer` gets each accepted connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn = server.accept()[0]
            except OSError:
                continue
            answer(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers (a hung NetBox)."""
    accepted: list[socket.socket] = []
    with loopback_server(accepted.append) as port:
        yield port
    for conn in accepted:
        conn.close()


@pytest.fixture
def cut_off_server() -> Iterator[int]:
    """Promises a JSON body, sends part of it and closes the connection: NetBox's server stopping
    in the middle of an answer."""
    def cut_off(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 4096\r\n\r\n{\"netbox-version\": \"4.7")

    with loopback_server(cut_off) as port:
        yield port


async def test_status_of_the_real_netbox(gateway: NetBoxGateway) -> None:
    status = await gateway.status()
    assert status["netbox-version"].startswith("4.7")
    assert await gateway.ping() > 0


async def test_unreachable_netbox_is_unavailable_with_retry_after() -> None:
    gateway = NetBoxGateway(url=f"http://127.0.0.1:{free_port()}", token="nbt_x.y", connect_timeout=1)
    with pytest.raises(Unavailable) as caught:
        await gateway.status()
    assert caught.value.component == "netbox"
    assert caught.value.retry_after > 0


async def test_a_hung_netbox_times_out_instead_of_hanging(silent_server: int) -> None:
    gateway = NetBoxGateway(url=f"http://127.0.0.1:{silent_server}", token="nbt_x.y",
                            connect_timeout=1, read_timeout=1)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="ReadTimeout"):
        await gateway.status()
    assert time.monotonic() - started < 10


async def test_an_answer_cut_off_midway_is_unavailable_not_a_crash(cut_off_server: int) -> None:
    gateway = NetBoxGateway(url=f"http://127.0.0.1:{cut_off_server}", token="nbt_x.y",
                            connect_timeout=1, read_timeout=5)
    with pytest.raises(Unavailable, match="ChunkedEncodingError") as caught:
        await gateway.status()
    assert caught.value.retry_after > 0


async def test_a_bad_token_is_unavailable_not_a_crash(netbox_state: NetBoxState) -> None:
    gateway = NetBoxGateway(url=netbox_state.url, token="nbt_AAAAAAAAAAAA." + "B" * 40)
    with pytest.raises(Unavailable, match="403"):
        await gateway.status()


async def test_a_refused_write_is_upstream_rejected_naming_the_field(gateway: NetBoxGateway) -> None:
    with pytest.raises(UpstreamRejected) as caught:
        await gateway.call(lambda api: api.dcim.racks.create(name="colo-test-no-site"), what="create rack")
    assert "site" in caught.value.detail
    assert caught.value.extra["netbox_status"] == 400
