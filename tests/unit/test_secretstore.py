"""Keys for verifiers: read from the configuration or an existing key file, never generated."""

from __future__ import annotations

from pathlib import Path

from colo.crypto import b64encode, ed25519_public_raw
from colo.secretstore import existing_signing_keys, load_keys
from colo.settings import Settings


def test_existing_signing_keys_never_creates_a_key(tmp_path: Path) -> None:
    settings = Settings(env="dev", secrets_dir=tmp_path / "secrets")
    assert existing_signing_keys(settings) == ()
    assert not (tmp_path / "secrets").exists()

    served = load_keys(settings)  # what `colo serve` does on a dev install: generate once
    found = existing_signing_keys(settings)
    assert [k.key_id for k in found] == ["k1"]
    assert ed25519_public_raw(found[0].private) == ed25519_public_raw(served.current_signing_key.private)

    configured = Settings(env="dev", secrets_dir=tmp_path / "unused",
                          audit_signing_key=f"k1:{b64encode(bytes(32))},k2:{b64encode(bytes(range(32)))}")
    assert [k.key_id for k in existing_signing_keys(configured)] == ["k1", "k2"]
    assert not (tmp_path / "unused").exists()
