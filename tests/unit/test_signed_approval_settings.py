"""COLO_SIGNED_APPROVALS: off by default, `visits`, `decommissions` or both; anything else, or
signed approvals without a trust list to check them against, refused at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from colo.settings import SettingsError, load_settings


def test_default_off_and_the_accepted_values(tmp_path: Path) -> None:
    assert load_settings({}, dotenv=None).signed_approvals == ()
    trust = str(tmp_path)
    for value, parsed in (("visits", ("visits",)), ("decommissions", ("decommissions",)),
                          ("visits,decommissions", ("decommissions", "visits")),
                          (" decommissions , visits ", ("decommissions", "visits"))):
        settings = load_settings({"COLO_SIGNED_APPROVALS": value, "COLO_LOA_TRUST_LIST": trust}, dotenv=None)
        assert settings.signed_approvals == parsed


def test_bad_values_and_no_trust_list_refused(tmp_path: Path) -> None:
    for value in ("loas", "visits,everything", ","):
        with pytest.raises(SettingsError, match="COLO_SIGNED_APPROVALS"):
            load_settings({"COLO_SIGNED_APPROVALS": value, "COLO_LOA_TRUST_LIST": str(tmp_path)}, dotenv=None)
    with pytest.raises(SettingsError, match="needs COLO_LOA_TRUST_LIST"):
        load_settings({"COLO_SIGNED_APPROVALS": "visits"}, dotenv=None)
