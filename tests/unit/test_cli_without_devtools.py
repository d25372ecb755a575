"""The production image ships no `devtools/`: `colo` must still start there, with its production
commands and without the development ones (the NetBox launcher, the demo plant)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest

from colo.cli import build_parser


class _NotInstalled:
    """A finder that answers for one module as Python does for a module that is not installed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, _path: Sequence[str] | None,
                  _target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname == self.name:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _hide(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".") or m == "devtools.cli"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NotInstalled(package), *sys.meta_path])


def _commands(argv: list[str]) -> bool:
    try:
        build_parser().parse_args(argv)
    except SystemExit:
        return False
    return True


def test_colo_starts_without_devtools_and_has_no_dev_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _commands(["netbox", "up"]) and _commands(["demo", "seed"])  # in a checkout: present
    _hide(monkeypatch, "devtools")  # as in the production image
    assert _commands(["serve"]) and _commands(["db", "migrate"]) and _commands(["keys", "list"])
    assert not _commands(["netbox", "up"]) and not _commands(["demo", "seed"])


def test_a_broken_devtools_is_not_mistaken_for_an_absent_one(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "devtools.cli")  # the package is there, its commands module is not
    with pytest.raises(ModuleNotFoundError):
        build_parser()
