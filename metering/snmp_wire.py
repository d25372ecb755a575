"""SNMPv2c GETBULK on the wire, without pysnmp: a small BER codec and one UDP socket for every
request, answers matched by request id and source address.

Why: profiling a round of 200 PDUs through pysnmp's hlapi showed ~50 ms of the poller's CPU per
PDU — every request re-configures the engine's local configuration (a community, a target, a
transport) and pysnmp's community-to-security lookup scans every community configured so far, so
a round grows quadratically with the PDUs; decoding each answer through pyasn1's generic decoder
costs milliseconds more. A v2c GETBULK and its response are a handful of fixed BER shapes:
encoding and decoding them directly costs tens of microseconds. SNMPv3 (USM authentication and
privacy) stays on pysnmp (metering/snmp.py).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

# A value of None: not a number (noSuchObject, noSuchInstance, endOfMibView, a string, an OID...)
VarBind = tuple[str, int | None]

_UNSIGNED = {0x41, 0x42, 0x43, 0x46, 0x47}  # Counter32, Gauge32, TimeTicks, Counter64, UInteger32
_GET, _GET_BULK, _RESPONSE = 0xA0, 0xA5, 0xA2


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _oid(text: str) -> bytes:
    arcs = [int(a) for a in text.strip(".").split(".")]
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:  # the first two arcs share one subidentifier
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def encode_request(community: str, request_id: int, oids: list[str], *, max_repetitions: int | None) -> bytes:
    """An SNMPv2c GetBulkRequest (non-repeaters 0) of `oids`, or a GetRequest when `max_repetitions`
    is None, each OID with a NULL value."""
    varbinds = b"".join(_tlv(0x30, _oid(o) + b"\x05\x00") for o in oids)
    tag, repetitions = (_GET, 0) if max_repetitions is None else (_GET_BULK, max_repetitions)
    pdu = _tlv(tag, _integer(request_id) + _integer(0) + _integer(repetitions) + _tlv(0x30, varbinds))
    return _tlv(0x30, _integer(1) + _tlv(0x04, community.encode()) + pdu)


def _read(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the TLV at `at`."""
    tag, n = data[at], data[at + 1]
    at += 2
    if n & 0x80:
        size = n & 0x7F
        n = int.from_bytes(data[at:at + size], "big")
        at += size
    if at + n > len(data):
        raise ValueError("truncated BER")
    return tag, at, at + n


def _decode_oid(body: bytes) -> str:
    subidentifiers, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            subidentifiers.append(value)
            value = 0
    first = min(subidentifiers[0] // 40, 2)  # 40 * X + Y, X in 0..2 (Y may exceed 39 under 2)
    return ".".join(map(str, [first, subidentifiers[0] - 40 * first, *subidentifiers[1:]]))


@dataclass(frozen=True, slots=True)
class Response:
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[VarBind]


def decode_response(data: bytes) -> Response:
    """A v2c Response-PDU; ValueError for anything else."""
    tag, at, end = _read(data, 0)
    if tag != 0x30:
        raise ValueError("not an SNMP message")
    _, _, v1 = _read(data, at)  # version
    _, _, c1 = _read(data, v1)  # community
    tag, at, end = _read(data, c1)
    if tag != _RESPONSE:
        raise ValueError(f"not a response PDU: {tag:#x}")
    numbers = []
    for _ in range(3):
        _, s, e = _read(data, at)
        numbers.append(int.from_bytes(data[s:e], "big", signed=True))
        at = e
    tag, at, end = _read(data, at)
    varbinds: list[VarBind] = []
    while at < end:
        _, b0, b1 = _read(data, at)
        _, o0, o1 = _read(data, b0)
        vtag, s, e = _read(data, o1)
        value: int | None = None
        if vtag == 0x02:
            value = int.from_bytes(data[s:e], "big", signed=True)
        elif vtag in _UNSIGNED:
            value = int.from_bytes(data[s:e], "big", signed=False)
        varbinds.append((_decode_oid(data[o0:o1]), value))
        at = b1
    return Response(numbers[0], numbers[1], numbers[2], varbinds)


@dataclass(slots=True)
class _Protocol(asyncio.DatagramProtocol):
    waiting: dict[int, tuple[tuple[str, int], asyncio.Future[Response]]] = field(default_factory=dict)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        try:
            response = decode_response(data)
        except (ValueError, IndexError):
            return  # not ours or garbled: the request times out
        entry = self.waiting.get(response.request_id)
        if entry is None or (str(addr[0]), int(str(addr[1]))) != entry[0] or entry[1].done():
            return
        entry[1].set_result(response)


class V2cClient:
    """One IPv4 UDP socket for every v2c request of the poller."""

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._protocol = _Protocol()
        self._ids = itertools.count(1)

    async def _ready(self) -> asyncio.DatagramTransport:
        if self._transport is None or self._transport.is_closing():
            loop = asyncio.get_running_loop()
            self._transport, _ = await loop.create_datagram_endpoint(lambda: self._protocol,
                                                                     local_addr=("0.0.0.0", 0))  # noqa: S104
        return self._transport

    async def request(self, host: str, port: int, community: str, oids: list[str], *, max_repetitions: int | None,
                      timeout: float) -> list[VarBind]:  # noqa: ASYNC109 - a per-request deadline
        """A GETBULK (or a GET: max_repetitions None) answered: its varbinds; TimeoutError without an
        answer, RuntimeError for an SNMP error status."""
        transport = await self._ready()
        request_id = next(self._ids) % 0x7FFFFFFF or 1
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._protocol.waiting[request_id] = ((host, port), future)
        try:
            transport.sendto(encode_request(community, request_id, oids, max_repetitions=max_repetitions),
                             (host, port))
            response = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no SNMP answer from {host}:{port} within {timeout:g} s") from None
        finally:
            self._protocol.waiting.pop(request_id, None)
        if response.error_status:
            raise RuntimeError(f"SNMP error status {response.error_status} at varbind {response.error_index}")
        return response.varbinds

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
