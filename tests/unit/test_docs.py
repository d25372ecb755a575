"""The docs stay true to the code: the README's configuration table and the tree."""

from __future__ import annotations

from pathlib import Path

from colo.settings import configuration_table

ROOT = Path(__file__).resolve().parents[2]


def test_readme_configuration_table_matches_the_settings() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- configuration-table:start -->") + len("<!-- configuration-table:start -->")
    end = readme.index("<!-- configuration-table:end -->")
    assert readme[start:end].strip() == configuration_table(), "regenerate it with `colo config table`"


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme


def test_architecture_names_every_top_level_package() -> None:
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for package in ("colo/", "dcim/", "tenants/", "audit/", "siteaccess/", "servicedesk/", "metering/", "notify/",
                    "accounts/", "api/", "web/", "migrations/", "tests/", "bench/", "docs/", "devtools/"):
        assert package in architecture


def test_migration_folders_hold_only_migrations() -> None:
    for folder in (ROOT / "migrations").iterdir():
        if folder.name == "__pycache__":
            continue
        assert folder.is_dir(), f"{folder} should be an app's migrations folder"
        for item in folder.iterdir():
            if item.name == "__pycache__":
                continue
            assert item.suffix == ".py" and item.name.startswith(f"{folder.name}_"), item


def test_architecture_tree_names_every_module() -> None:
    """docs/ARCHITECTURE.md's tree names each module of the packages (by file stem), so a new module
    lands with a line saying what it is for."""
    import re

    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    tree = architecture[architecture.index("## Tree"):architecture.index("## Conventions")]
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", tree))
    packages = ("colo", "tenants", "audit", "siteaccess", "servicedesk", "metering", "notify", "dcim", "accounts",
                "api", "web", "devtools")
    missing = [str(path.relative_to(ROOT)) for package in packages
               for path in sorted((ROOT / package).rglob("*.py"))
               if path.name != "__init__.py" and path.stem not in named]
    assert not missing, f"name these in docs/ARCHITECTURE.md's tree: {missing}"
