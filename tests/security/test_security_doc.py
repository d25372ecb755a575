"""docs/SECURITY.md's roles/policy table is the one the guard enforces."""

from __future__ import annotations

from pathlib import Path

from tests.security.policy_table import END, START, policy_table

SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md"


def test_the_documented_policy_table_is_the_enforced_one() -> None:
    text = SECURITY_MD.read_text()
    assert text.count(START) == 1 and text.count(END) == 1, "the generated table's markers are missing"
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert documented == policy_table(), "regenerate it: .venv/bin/python -m tests.security.policy_table"


def test_the_table_lists_every_operation_once() -> None:
    from api.guards import load_access_policy

    policy = load_access_policy()
    rows = [line.split("`")[1] for line in policy_table().splitlines() if line.startswith("| `")]
    assert sorted(rows) == sorted([*policy.roles, *policy.public])
