"""metering/snmp_wire.py's BER codec against pysnmp's own (pyasn1) encoder and decoder: what the
poller sends is the GETBULK or GET pysnmp reads, and what an agent answers — every value type a
PDU returns, large and negative numbers, multi-byte OID arcs — decodes to the same varbinds. And
one PDU's readings split by inlet (samples_of) as metering's inlets meters expect."""

from __future__ import annotations

from uuid import uuid4

from pyasn1.codec.ber import decoder, encoder  # type: ignore[import-untyped]
from pysnmp.proto import api, rfc1902, rfc1905

from metering.snmp import Target, key_oids, layout_of, samples_of
from metering.snmp_wire import decode_response, encode_request
from metering.vendors import APC, APC_RPDU2

OIDS = ["1.3.6.1.4.1.318.1.1.26.4.3.1.5", "2.999.3", "1.3.6.1.2.1.1.5.0", "1.3.6.1.4.1.318.1.1.26.10.2.2.1.8"]


def _decoded_request(wire: bytes) -> tuple[type, list[str], int, int, str]:
    message, rest = decoder.decode(wire, asn1Spec=api.v2c.Message())
    assert rest == b""
    pdu = api.v2c.apiMessage.get_pdu(message)
    names = [str(name) for name, _ in api.v2c.apiPDU.get_varbinds(pdu)]
    return (type(pdu), names, int(pdu.getComponentByPosition(0)), int(pdu.getComponentByPosition(2)),
            str(api.v2c.apiMessage.get_community(message)))


def test_requests_are_what_pysnmp_reads() -> None:
    kind, names, request_id, repetitions, community = _decoded_request(
        encode_request("pdu-a-x", 70_000, OIDS, max_repetitions=6))
    assert (kind, names, request_id, repetitions, community) == (rfc1905.GetBulkRequestPDU, OIDS, 70_000, 6, "pdu-a-x")
    kind, names, request_id, _, _ = _decoded_request(encode_request("c" * 200, 1, OIDS * 40, max_repetitions=None))
    assert (kind, names, request_id) == (rfc1905.GetRequestPDU, OIDS * 40, 1)  # long-form lengths


def test_responses_decode_like_pysnmp_encodes_them() -> None:
    pdu = api.v2c.ResponsePDU()
    api.v2c.apiPDU.set_defaults(pdu)
    api.v2c.apiPDU.set_request_id(pdu, 2_000_000_001)
    values = [
        (f"{APC}.4.3.1.5.1", rfc1902.Integer32(-5)),
        (f"{APC}.4.3.1.9.1", rfc1902.Gauge32(4_294_967_295)),
        (f"{APC}.6.3.1.5.1", rfc1902.Counter32(300)),
        ("1.3.6.1.2.1.31.1.1.1.6.1", rfc1902.Counter64(2**63 + 5)),
        ("1.3.6.1.2.1.1.5.0", rfc1902.OctetString("pdu-a")),
        ("1.3.6.1.2.1.1.2.0", rfc1902.ObjectName("1.3.6.1.4.1.318.1.3.4.5")),
        ("2.999.1", rfc1905.endOfMibView),
        ("1.3.6.1.4.1.99999.16384.1", rfc1905.noSuchInstance),
    ]
    api.v2c.apiPDU.set_varbinds(pdu, values)
    message = api.v2c.Message()
    api.v2c.apiMessage.set_defaults(message)
    api.v2c.apiMessage.set_community(message, "public")
    api.v2c.apiMessage.set_pdu(message, pdu)
    response = decode_response(encoder.encode(message))
    assert response.request_id == 2_000_000_001 and response.error_status == 0
    assert response.varbinds == [(f"{APC}.4.3.1.5.1", -5), (f"{APC}.4.3.1.9.1", 4_294_967_295),
                                 (f"{APC}.6.3.1.5.1", 300), ("1.3.6.1.2.1.31.1.1.1.6.1", 2**63 + 5),
                                 ("1.3.6.1.2.1.1.5.0", None), ("1.3.6.1.2.1.1.2.0", None), ("2.999.1", None),
                                 ("1.3.6.1.4.1.99999.16384.1", None)]


def test_a_dual_inlet_answer_splits_by_module() -> None:
    one, two = uuid4(), uuid4()
    target = Target(uuid4(), "127.0.0.1", 161, inlets=((1, one), (2, two)))
    varbinds: list[tuple[str, int | None]] = [
        (f"{APC}.4.3.1.5.1", 120), (f"{APC}.4.3.1.5.2", 200), (f"{APC}.4.3.1.9.1", 5000), (f"{APC}.4.3.1.9.2", 7),
        (f"{APC}.6.3.1.2.1", 1), (f"{APC}.6.3.1.2.2", 2), (f"{APC}.6.3.1.3.1", 1), (f"{APC}.6.3.1.3.2", 1),
        (f"{APC}.6.3.1.5.1", 52), (f"{APC}.6.3.1.5.2", 87), (f"{APC}.6.3.1.7.1", 120), (f"{APC}.6.3.1.7.2", 200),
        (f"{APC}.10.2.2.1.8.1", 240), (f"{APC}.10.2.2.1.10.1", 41), (f"{APC}.10.2.2.1.11.1", 9), ("2.999", None),
    ]
    got = {(s.meter_id, s.channel, s.metric): s.value for s in samples_of(target, APC_RPDU2, varbinds)}
    assert got == {(one, 0, "power_w"): 1200.0, (two, 0, "power_w"): 2000.0, (one, 0, "energy_kwh"): 500.0,
                   (two, 0, "energy_kwh"): 0.7, (one, 1, "current_a"): 5.2, (two, 1, "current_a"): 8.7,
                   (one, 1, "power_w"): 1200.0, (two, 1, "power_w"): 2000.0, (one, 101, "temperature_c"): 24.0,
                   (one, 101, "humidity_pct"): 41.0}
    whole = {(s.channel, s.metric): s.value for s in samples_of(Target(one, "h", 1), APC_RPDU2, varbinds)}
    assert whole[(0, "power_w")] == 3200.0 and whole[(2, "current_a")] == 8.7  # one meter: modules summed
    # the GET after the key columns' walk: every column at every row, nothing else
    assert key_oids(APC_RPDU2) == [f"{APC}.4.3.1.5", f"{APC}.6.3.1.2", f"{APC}.10.2.2.1.8"]
    layout = layout_of(APC_RPDU2, varbinds)
    assert len(layout) == 14 and set(layout) == {name for name, _ in varbinds[:-2]}
