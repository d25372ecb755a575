"""compose.yaml is valid Compose and starts in the order the deployment needs — checked without a
Docker engine (these machines have none): the file, interpolated from `.env.example` and from a
`.env` that deploy/compose/make-env.py really writes, is validated against the current Compose
Specification JSON schema with a real validator (jsonschema), and what the schema cannot say is
checked on the same data: start order, published ports, who migrates, replicas, the NetBox token.
The generated secrets are put through Colo's own settings and key parsers, as production would."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from colo.secretstore import load_keys
from colo.settings import SettingsError, load_settings
from tests.deploy.compose_files import (
    ENV_EXAMPLE,
    ROOT,
    InterpolationError,
    Yaml,
    compose,
    read_env,
    schema,
    variables_used,
)

MAKE_ENV = ROOT / "deploy" / "compose" / "make-env.py"
ONE_SHOT = {"colo-init", "tls-init"}  # run to completion at every `up`; everything else stays up


def schema_errors(document: dict[str, Yaml]) -> list[str]:
    spec = schema()
    assert "draft-07" in str(spec["$schema"])  # the Compose Specification is a draft-07 schema
    Draft7Validator.check_schema(spec)
    validator = Draft7Validator(spec)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def generated_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("compose") / ".env"
    subprocess.run([sys.executable, str(MAKE_ENV), "--out", str(out)], check=True, capture_output=True)
    assert out.stat().st_mode & 0o777 == 0o600
    return read_env(out)


def services(document: dict[str, Yaml]) -> dict[str, dict[str, Yaml]]:
    found = document["services"]
    assert isinstance(found, dict)
    return {name: service for name, service in found.items() if isinstance(service, dict)}


def command_text(service: dict[str, Yaml]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_validates_against_the_compose_specification(generated_env: dict[str, str]) -> None:
    for env in (read_env(ENV_EXAMPLE), generated_env):
        assert schema_errors(compose(env)) == []


@pytest.mark.parametrize("breakage", ["unknown service key", "bad condition", "replicas as text", "bad top level"])
def test_the_schema_check_rejects_a_broken_file(breakage: str) -> None:
    """The validator is live: each of these edits makes compose.yaml invalid Compose."""
    document = copy.deepcopy(compose(read_env(ENV_EXAMPLE)))
    api = services(document)["colo-api"]
    if breakage == "unknown service key":
        api["replica"] = 2
    elif breakage == "bad condition":
        api["depends_on"] = {"colo-init": {"condition": "service_finished"}}
    elif breakage == "replicas as text":
        api["deploy"] = {"replicas": ["two"]}
    else:
        document["service"] = {}
    assert schema_errors(document) != []


def test_every_variable_is_in_the_example_with_a_comment_and_required_ones_stop_compose() -> None:
    example = read_env(ENV_EXAMPLE)
    assert variables_used() == set(example), "compose.yaml and .env.example name the same variables"
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = number - 1
            while above >= 0 and lines[above] and not lines[above].startswith("#"):
                above -= 1  # a group of related variables shares the comment above it
            assert above >= 0 and lines[above].startswith("#"), f"document {line.split('=')[0]} in .env.example"
    for value in example.values():  # placeholders only, never a secret
        assert not re.fullmatch(r"[A-Za-z0-9+/=]{24,}", value), value
    missing = {key: value for key, value in example.items() if key != "COLO_MASTER_KEY"}
    with pytest.raises(InterpolationError, match="COLO_MASTER_KEY"):
        compose(missing)


def test_everything_waits_for_the_init_step_and_the_init_step_for_netbox(generated_env: dict[str, str]) -> None:
    found = services(compose(generated_env))
    dependants = {name for name, service in found.items() if "colo-init" in (service.get("depends_on") or {})}
    assert {"colo-api", "colo-worker"} <= dependants
    for name in dependants:
        depends = found[name]["depends_on"]
        assert isinstance(depends, dict)
        assert depends["colo-init"] == {"condition": "service_completed_successfully"}, name
    init = found["colo-init"]["depends_on"]
    assert isinstance(init, dict)
    for needed in ("postgres", "redis", "netbox"):
        assert init[needed] == {"condition": "service_healthy"}, needed
    proxy = found["proxy"]["depends_on"]
    assert proxy == {"tls-init": {"condition": "service_completed_successfully"},
                     "colo-api": {"condition": "service_healthy"}}


def test_only_the_proxy_publishes_ports(generated_env: dict[str, str]) -> None:
    found = services(compose(generated_env))
    assert {name for name, service in found.items() if service.get("ports")} == {"proxy"}
    assert {name for name, service in found.items() if "expose" in service or "network_mode" in service} == set()


def test_only_the_init_step_migrates(generated_env: dict[str, str]) -> None:
    found = services(compose(generated_env))
    migrating = {name for name, service in found.items() if "migrate" in command_text(service)}
    assert migrating == {"colo-init"}
    assert "colo db migrate" in command_text(found["colo-init"])
    assert "--webhook-url http://colo-api:8000" in command_text(found["colo-init"])  # in-network address


def test_api_replicas_without_background_work_beside_a_worker(generated_env: dict[str, str]) -> None:
    found = services(compose(generated_env))
    api, worker = found["colo-api"], found["colo-worker"]
    deploy = api["deploy"]
    assert isinstance(deploy, dict) and isinstance(deploy["replicas"], int) and deploy["replicas"] >= 2
    api_env, worker_env = api["environment"], worker["environment"]
    assert isinstance(api_env, dict) and isinstance(worker_env, dict)
    assert api_env["COLO_RUN_WORKERS"] == "false"
    assert worker_env.get("COLO_RUN_WORKERS", "true") != "false"
    assert command_text(api).startswith("colo serve ") and command_text(worker).startswith("colo worker ")
    for name, service in found.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", name
        else:
            assert service.get("restart") in {"unless-stopped", "always"}, name
            assert "healthcheck" in service, f"{name} needs a healthcheck"


def test_netbox_makes_the_token_colo_uses_from_the_same_values(generated_env: dict[str, str]) -> None:
    found = services(compose(generated_env))
    netbox_env, colo_env = found["netbox"]["environment"], found["colo-api"]["environment"]
    assert isinstance(netbox_env, dict) and isinstance(colo_env, dict)
    assert netbox_env["SKIP_SUPERUSER"] == "false"
    key, token = str(netbox_env["SUPERUSER_API_KEY"]), str(netbox_env["SUPERUSER_API_TOKEN"])
    assert re.fullmatch(r"[A-Za-z0-9]{12}", key) and re.fullmatch(r"[A-Za-z0-9]{40}", token)
    assert colo_env["COLO_NETBOX_TOKEN"] == f"nbt_{key}.{token}"
    assert len(str(netbox_env["SECRET_KEY"])) >= 50 and len(str(netbox_env["API_TOKEN_PEPPER_1"])) >= 50
    worker_env = found["netbox-worker"]["environment"]
    assert isinstance(worker_env, dict) and "SUPERUSER_API_TOKEN" not in worker_env  # only netbox makes it


def test_the_generated_secrets_pass_colos_own_checks_and_the_placeholders_do_not(
        generated_env: dict[str, str], tmp_path: Path) -> None:
    for name in ("colo-api", "colo-worker", "colo-init"):
        env = services(compose(generated_env))[name]["environment"]
        assert isinstance(env, dict)
        settings = load_settings({key: str(value) for key, value in env.items()}, dotenv=None)
        assert settings.is_production
        keys = load_keys(settings)
        assert len(keys.master_key) == 32 and keys.signing_keys and keys.api_key_peppers
    placeholder = services(compose(read_env(ENV_EXAMPLE)))["colo-api"]["environment"]
    assert isinstance(placeholder, dict)
    with pytest.raises(SettingsError):
        load_keys(load_settings({key: str(value) for key, value in placeholder.items()}, dotenv=None))


def test_make_env_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / ".env"
    first = subprocess.run([sys.executable, str(MAKE_ENV), "--out", str(out)], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    written = out.read_text()
    assert "=generate:" not in written and written.count("=") >= len(read_env(ENV_EXAMPLE))
    second = subprocess.run([sys.executable, str(MAKE_ENV), "--out", str(out)], capture_output=True, text=True)
    assert second.returncode == 1 and "exists already" in second.stderr
    assert out.read_text() == written


def test_the_proxy_config_matches_the_compose_file(generated_env: dict[str, str]) -> None:
    raw = compose(generated_env)
    nginx_config = raw["configs"]
    assert isinstance(nginx_config, dict)
    conf = (ROOT / str(nginx_config["nginx-conf"]["file"])).read_text()  # type: ignore[index]
    assert re.search(r"server colo-api:8000 resolve;", conf), "every replica, re-resolved when scaled"
    proxy = services(raw)["proxy"]
    mounts = [str(volume).split(":") for volume in proxy["volumes"]]  # type: ignore[union-attr]
    tls_target = next(target for _source, target, *_ in mounts)
    assert f"ssl_certificate     {tls_target}/cert.pem;" in conf
    assert f"ssl_certificate_key {tls_target}/key.pem;" in conf
    assert "listen 443 ssl;" in conf and "return 301 https://" in conf
    ports = {str(port).rsplit(":", 1)[-1] for port in proxy["ports"]}  # type: ignore[union-attr]
    assert ports == {"443", "80"}


def test_every_one_shot_service_is_awaited_by_a_long_running_one(generated_env: dict[str, str]) -> None:
    """`docker compose up --wait` counts an exited container as a failure unless a service that stays
    up depends on it with service_completed_successfully (docker/compose#10596): adopt each one."""
    found = services(compose(generated_env))
    completed = {"condition": "service_completed_successfully"}
    for one_shot in ONE_SHOT:
        adopters = [name for name, service in found.items()
                    if name not in ONE_SHOT and (service.get("depends_on") or {}).get(one_shot) == completed]
        assert adopters, f"nothing long-running waits for {one_shot}"
