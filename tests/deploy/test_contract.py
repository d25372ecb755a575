"""The deployments and the program agree: every command compose.yaml and the Kubernetes manifests run
exists in Colo's CLI with the flags they pass (asked from the real `colo … --help`), every COLO_*
variable they set is one Colo's settings table knows, the Kubernetes ConfigMap passes Colo's own
settings parser, and no setting Colo marks secret is put in a ConfigMap or given a literal value.
A renamed flag or setting then fails here, not in a container nobody here can start."""

from __future__ import annotations

import shlex
import subprocess
import sys
from functools import cache

from colo.secretstore import load_keys
from colo.setting_vars import VARIABLES
from colo.settings import load_settings
from tests.deploy.compose_files import ENV_EXAMPLE, compose, read_env
from tests.deploy.test_kubernetes import BASE, Manifest, by_kind, kustomize, pod_specs

SECRET = {var.name for var in VARIABLES if var.secret} | {"COLO_DATABASE_URL", "COLO_REDIS_URL"}  # passwords inside


def compose_commands() -> dict[str, list[str]]:
    """Each `colo …` invocation of compose.yaml, by service (`sh -c "a && b"` split into a and b)."""
    found: dict[str, list[str]] = {}
    for name, service in compose(read_env(ENV_EXAMPLE))["services"].items():  # type: ignore[union-attr]
        command = service.get("command")
        if not isinstance(command, list):
            continue
        if command[:2] == ["sh", "-c"]:
            for number, part in enumerate(command[2].split("&&")):
                found[f"{name}#{number}"] = shlex.split(part)
        else:
            found[name] = command
    return {name: argv for name, argv in found.items() if argv[0] == "colo"}


def kubernetes_commands() -> dict[str, list[str]]:
    return {f"{name}/{container['name']}": container["command"] + container.get("args", [])
            for name, spec in pod_specs(kustomize(BASE)).items()
            for container in spec.get("initContainers", []) + spec["containers"]}


@cache
def help_text(subcommands: tuple[str, ...]) -> str | None:
    """`colo <subcommands> --help` from the real CLI; None when there is no such command."""
    run = subprocess.run([sys.executable, "-c", "import sys; from colo.cli import main; sys.exit(main())",
                          *subcommands, "--help"], capture_output=True, text=True, timeout=60)
    return run.stdout if run.returncode == 0 else None


def test_every_command_the_deployments_run_exists_with_its_flags() -> None:
    commands = {**compose_commands(), **kubernetes_commands()}
    assert {"colo-api", "colo-worker", "colo-init#0", "colo-init#1", "Job/colo-migrate/migrate"} <= set(commands)
    missing = []
    for where, argv in sorted(commands.items()):
        assert argv[0] == "colo", where
        first_flag = next((i for i, word in enumerate(argv) if word.startswith("-")), len(argv))
        path = tuple(argv[1:first_flag])  # the sub-command words; values follow their flags
        text = help_text(path)
        if text is None:
            missing.append(f"{where}: there is no `colo {' '.join(path)}`")
            continue
        missing += [f"{where}: `colo {' '.join(path)}` has no {flag}"
                    for flag in argv[first_flag:] if flag.startswith("--") and flag not in text]
    assert missing == []


def deployment_settings() -> dict[str, set[str]]:
    """COLO_* names each deployment sets: compose's Colo services, the ConfigMap and the pods' env."""
    services = compose(read_env(ENV_EXAMPLE))["services"]
    assert isinstance(services, dict)
    compose_names = {key for service in services.values() if isinstance(service, dict)
                     for key in (service.get("environment") or {}) if key.startswith("COLO_")}
    manifests = kustomize(BASE)
    kube_names = {key for config in by_kind(manifests, "ConfigMap").values() for key in config["data"]}
    kube_names |= {variable["name"] for spec in pod_specs(manifests).values()
                   for container in spec["containers"] for variable in container.get("env", [])
                   if variable["name"].startswith("COLO_")}
    return {"compose.yaml": compose_names, "deploy/kubernetes": kube_names}


def test_every_setting_the_deployments_set_is_one_colo_knows() -> None:
    known = {var.name for var in VARIABLES}
    for where, names in deployment_settings().items():
        assert names - known == set(), f"{where} sets variables colo/settings.py does not know"


def config_map(manifests: list[Manifest]) -> dict[str, str]:
    data = by_kind(manifests, "ConfigMap")["colo-config"]["data"]
    assert isinstance(data, dict)
    return {str(key): str(value) for key, value in data.items()}


def test_the_config_map_holds_no_secret_and_passes_colos_settings_parser() -> None:
    data = config_map(kustomize(BASE))
    assert set(data) & SECRET == set()
    # The Secret the operator creates, in the formats OPERATIONS.md's command makes.
    secrets = {"COLO_DATABASE_URL": "postgresql://colo:pw@postgres.example:5432/colo",
               "COLO_REDIS_URL": "redis://redis.example:6379/2", "COLO_NETBOX_TOKEN": f"nbt_{'k' * 12}.{'t' * 40}",
               "COLO_API_KEY_PEPPERS": f"1:{'A' * 43}=", "COLO_MASTER_KEY": f"{'A' * 43}=",
               "COLO_AUDIT_SIGNING_KEY": f"k1:{'A' * 43}=", "COLO_WEBHOOK_SECRET": f"{'A' * 43}="}
    settings = load_settings({**data, **secrets}, dotenv=None)
    assert settings.is_production and str(settings.public_url).startswith("https://")
    load_keys(settings)
