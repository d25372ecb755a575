"""Site access's reads: one `of` per schema turns a row into it, statuses and alert kinds come out
as their enums (encoded as the stored text), and the HTTP layer never builds one itself."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from siteaccess.schemas import AlertRead, GateResult, VisitorRead, VisitRead
from siteaccess.status import AlertKind, BadgeStatus, VisitStatus

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
VISITOR = {"id": uuid.uuid4(), "visit_id": uuid.uuid4(), "tenant_id": uuid.uuid4(), "person_id": None,
           "company": "Acme", "id_document_type": "passport", "id_number_masked": "****5678",
           "badge_number": "B-ABCDEFGHIJ", "badge_expires_at": NOW, "badge_status": "issued", "on_site": False,
           "checked_in_at": None, "checked_out_at": None}
VISIT = {"id": VISITOR["visit_id"], "tenant_id": VISITOR["tenant_id"], "status": "approved", "starts_at": NOW,
         "ends_at": NOW, "areas": json.dumps(["meet-me-room"]), "escort_required": True, "purpose": "",
         "requested_by": "k1", "decided_by": "k2", "decided_at": NOW, "decision_reason": "ok", "created_at": NOW}


def test_a_visit_reads_with_its_statuses_as_enums_and_encodes_them_as_the_stored_text() -> None:
    visit = VisitRead.of(VISIT, visitors=[VisitorRead.of(VISITOR, name="Jane Roe")])
    assert visit.status is VisitStatus.APPROVED
    assert visit.visitors[0].badge_status is BadgeStatus.ISSUED
    assert visit.areas == ["meet-me-room"] and visit.visitors[0].name == "Jane Roe"
    encoded = json.loads(msgspec.json.encode(visit))
    assert encoded["status"] == "approved" and encoded["visitors"][0]["badge_status"] == "issued"


def test_an_alert_reads_with_its_kind_as_an_enum_and_an_unknown_kind_is_refused() -> None:
    row = {"id": uuid.uuid4(), "kind": "overstay", "tenant_id": None, "visit_id": None, "visitor_id": None,
           "detail": "still on site", "created_at": NOW, "acknowledged_at": None, "acknowledged_by": "",
           "acknowledgement_note": ""}
    assert AlertRead.of(row).kind is AlertKind.OVERSTAY
    with pytest.raises(ValueError):
        AlertRead.of({**row, "kind": "made_up"})


def test_a_gate_result_is_made_from_the_visitor_and_visit_rows() -> None:
    result = GateResult.of("check_in", visitor=VISITOR, visit=VISIT, at=NOW)
    assert (result.visitor_id, result.visit_id, result.badge_number, result.escort_required) == (
        VISITOR["id"], VISIT["id"], "B-ABCDEFGHIJ", True)


def test_the_http_layer_never_builds_a_site_access_read() -> None:
    """Rows become schemas in siteaccess/ alone; controllers pass on what the services return."""
    built = re.compile(r"\b(VisitRead|VisitorRead|AlertRead|GateResult)(\.of)?\(")
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "api").rglob("*.py"))
                 if built.search(path.read_text())]
    assert offenders == []
