"""A deployment's LOA PKI from its settings: no trust list, no PKI (and no key made); a trust list
makes the dev countersigning key once; verifiers never make one; bad trust lists are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from asn1crypto import pem

from colo.settings import Settings, SettingsError, load_settings
from dcim.orders.countersign import existing_facility_certificates, parse_pem, self_signed_pem
from dcim.orders.signed_grant import load_pki


def _settings(tmp_path: Path, **values: str) -> Settings:
    return load_settings({"COLO_SECRETS_DIR": str(tmp_path / "secrets"), **values})


def test_without_a_trust_list_nothing_is_on_and_no_key_is_made(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert load_pki(settings) is None
    assert existing_facility_certificates(settings) == ()
    assert not (tmp_path / "secrets" / "loa_signing.pem").exists()


def test_a_trust_list_makes_the_dev_countersigning_key_once(tmp_path: Path) -> None:
    root = parse_pem(self_signed_pem("A national root")).certificate
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "root.pem").write_bytes(pem.armor("CERTIFICATE", root.dump()))
    settings = _settings(tmp_path, COLO_LOA_TRUST_LIST=str(trust), COLO_LOA_REVOCATION_POLICY="soft-fail")
    pki = load_pki(settings)
    assert pki is not None and pki.revocation == "soft-fail"
    assert [c.dump() for c in pki.trust.roots] == [root.dump()]
    key_file = tmp_path / "secrets" / "loa_signing.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = load_pki(settings)
    assert again is not None and again.signer.certificate.dump() == pki.signer.certificate.dump()
    assert existing_facility_certificates(settings)[0].dump() == pki.signer.certificate.dump()


def test_a_trust_list_without_a_certificate_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no roots here")
    with pytest.raises(SettingsError, match="COLO_LOA_TRUST_LIST"):
        load_pki(_settings(tmp_path, COLO_LOA_TRUST_LIST=str(empty)))
    with pytest.raises(SettingsError, match="COLO_LOA_REVOCATION_POLICY"):
        _settings(tmp_path, COLO_LOA_REVOCATION_POLICY="maybe")


def test_production_needs_the_countersigning_key_with_a_trust_list(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="COLO_LOA_SIGNING_KEY"):
        load_settings({"COLO_ENV": "production", "COLO_LOA_TRUST_LIST": str(tmp_path),
                       "COLO_API_KEY_PEPPERS": "1:" + "p" * 20, "COLO_MASTER_KEY": "x", "COLO_AUDIT_SIGNING_KEY": "x",
                       "COLO_WEBHOOK_SECRET": "x", "COLO_SESSION_COOKIE_SECURE": "true"})
