"""A PDU's community sealed at rest (metering/community.py): it round-trips only under the same
master key and meter id, the ciphertext shows nothing of it, "" stays "", and the poller's
Target keeps it out of its repr."""

from __future__ import annotations

from uuid import uuid4

import pytest

from colo.crypto import b64decode
from metering.community import CommunityUnreadable, community_key, seal, unseal
from metering.snmp import Target

COMMUNITY = "rack-m-pdu-a-secret"


def test_sealed_round_trips_only_with_its_key_and_meter() -> None:
    key, meter = community_key(b"k" * 32), uuid4()
    sealed = seal(key, meter, COMMUNITY)
    assert COMMUNITY not in sealed and COMMUNITY.encode() not in b64decode(sealed)
    assert seal(key, meter, COMMUNITY) != sealed  # a fresh nonce each time
    assert unseal(key, meter, sealed) == COMMUNITY
    for wrong_key, wrong_meter in ((community_key(b"j" * 32), meter), (key, uuid4())):
        with pytest.raises(CommunityUnreadable):
            unseal(wrong_key, wrong_meter, sealed)
    with pytest.raises(CommunityUnreadable):  # no key configured
        unseal(b"", meter, sealed)
    with pytest.raises(CommunityUnreadable):  # not base64 ciphertext (a plain value left behind)
        unseal(key, meter, COMMUNITY)


def test_no_community_stays_empty_and_the_target_never_shows_one() -> None:
    key, meter = community_key(b"k" * 32), uuid4()
    assert seal(key, meter, "") == "" and unseal(key, meter, "") == ""
    sealed = seal(key, meter, COMMUNITY)
    assert sealed not in repr(Target(meter, "127.0.0.1", 161, sealed_community=sealed))


def test_snmp_secrets_are_secret_settings() -> None:
    """COLO_SNMP_COMMUNITY and the v3 pass phrases: marked secret (errors say "(hidden)") and out
    of the settings' repr, so `colo config table`, a settings error or a log never shows them."""
    from colo.setting_vars import VARIABLES
    from colo.settings import load_settings

    secret = {v.name for v in VARIABLES if v.secret}
    assert {"COLO_SNMP_COMMUNITY", "COLO_SNMP_V3_AUTH_KEY", "COLO_SNMP_V3_PRIV_KEY"} <= secret
    settings = load_settings({"COLO_SNMP_COMMUNITY": "comm-3a9f", "COLO_SNMP_V3_AUTH_KEY": "auth-3a9f",
                              "COLO_SNMP_V3_PRIV_KEY": "priv-3a9f"}, dotenv=None)
    assert (settings.snmp_community, settings.snmp_v3_auth_key) == ("comm-3a9f", "auth-3a9f")
    assert not any(value in repr(settings) for value in ("comm-3a9f", "auth-3a9f", "priv-3a9f"))
