"""A real TCP proxy in front of NetBox, run on its own event loop in a thread.

It forwards bytes unchanged, and on demand makes NetBox look stopped (port closed, open
connections cut), slow (every answer chunk delayed), deaf (answers swallowed, connections left
open) or crash in the middle of one request (the answer to a request containing a given marker
is swallowed: NetBox did the work, the caller never hears about it). No HTTP library is
involved: callers see real sockets misbehave.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field


@dataclass(eq=False)  # hashed by identity: links live in a set
class _Link:
    """One client connection and its upstream twin; `held` swallows everything NetBox answers."""

    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    held: bool = False
    dropped: asyncio.Event = field(default_factory=asyncio.Event)


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.latency = 0.0  # seconds added before each chunk NetBox sends back
        self.forwarding = True  # False: answers are swallowed, requests still reach NetBox
        self.hold_marker: bytes | None = None  # a request containing this never gets its answer
        self.held = threading.Event()  # set once a request carrying hold_marker went through
        self.chunks_sent = 0  # chunks passed upstream so far: how often a client spoke to the server
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def go_down(self) -> None:
        """Like NetBox stopping: no longer listening (connections refused) and every open
        connection cut, in-flight requests included."""
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                self._server = None
            await self._drop_links()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def come_back(self) -> None:
        """Listening again on the same port, forwarding to NetBox. The server is set on the proxy's
        loop, before any connection it accepts is served: `_serve` reads it to tell up from down."""
        async def reopen() -> None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

        asyncio.run_coroutine_threadsafe(reopen(), self._loop).result(10)

    def reset(self) -> None:
        """Back to a transparent pipe; connections opened while misbehaving are dropped."""
        self.latency, self.forwarding, self.hold_marker = 0.0, True, None
        self.held.clear()
        asyncio.run_coroutine_threadsafe(self._drop_links(), self._loop).result(10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            await self._drop_links()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:  # connections still piping: end them before the loop stops
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _drop_links(self) -> None:
        for link in list(self._links):
            link.dropped.set()
            for writer in link.writers:
                writer.close()
        self._links.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()  # NetBox itself is down: the caller sees the connection closed
            return
        if self._server is None:  # accepted just before go_down, connected upstream just after: cut too
            up_writer.close()
            client_writer.close()
            return
        link = _Link(writers=[client_writer, up_writer])
        self._links.add(link)
        try:
            await asyncio.gather(self._requests(client_reader, up_writer, link),
                                 self._answers(up_reader, client_writer, link), return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the proxy is stopping; asyncio would report a cancelled connection task as an error
        finally:
            self._links.discard(link)
            for writer in link.writers:
                writer.close()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link) -> None:
        while chunk := await reader.read(65536):
            if self.hold_marker is not None and self.hold_marker in chunk:
                link.held = True
                self.held.set()
            self.chunks_sent += 1
            writer.write(chunk)
            await writer.drain()
        writer.close()

    async def _answers(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link) -> None:
        while chunk := await reader.read(65536):
            if self.latency:
                await asyncio.sleep(self.latency)
            if link.held or not self.forwarding:
                continue  # swallowed: the caller waits for an answer that never comes
            writer.write(chunk)
            await writer.drain()
        if link.held or not self.forwarding:
            await link.dropped.wait()  # NetBox closed its side; the caller must still hear nothing
        writer.close()
