"""deploy/kubernetes builds with the real `kubectl kustomize` and every object it makes is valid
against the Kubernetes OpenAPI schemas (kubernetes-validate ships them, so this runs offline, with
no cluster: these machines have none), strictly (unknown fields are errors). The checks the schemas
cannot make follow: probes and resources on every long-running container, non-root with a
read-only root filesystem, secrets only by reference, who migrates, and that the autoscaler, the
disruption budget, the Service and the NetworkPolicies select the pods they are meant for."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes"
BUILDS = [BASE, BASE / "overlays" / "example"]
# The oldest Kubernetes still supported upstream when this was written, and kubernetes-validate's
# newest: the manifests use nothing newer than the first and nothing removed by the second.
VERSIONS = ["1.32.0", "1.37.0"]
SECRET_VARIABLES = {"COLO_DATABASE_URL", "COLO_REDIS_URL", "COLO_NETBOX_TOKEN", "COLO_API_KEY_PEPPERS",
                    "COLO_MASTER_KEY", "COLO_AUDIT_SIGNING_KEY", "COLO_WEBHOOK_SECRET"}

Manifest = dict[str, Any]  # a Kubernetes object as YAML gives it: the schemas say what is in it


def kustomize(path: Path) -> list[Manifest]:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None, "kubectl is needed (Debian/Ubuntu: the kubernetes-client package)"
    built = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr
    return [document for document in yaml.safe_load_all(built.stdout) if document]


@pytest.fixture(scope="module", params=BUILDS, ids=lambda path: str(path.relative_to(ROOT)))
def manifests(request: pytest.FixtureRequest) -> list[Manifest]:
    path = request.param
    assert isinstance(path, Path)
    return kustomize(path)


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {item["metadata"]["name"]: item for item in manifests if item["kind"] == kind}


def pod_specs(manifests: list[Manifest]) -> dict[str, Manifest]:
    return {f"{item['kind']}/{item['metadata']['name']}": item["spec"]["template"]["spec"]
            for item in manifests if item["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}}


def schema_errors(manifests: list[Manifest]) -> list[str]:
    errors = []
    for version in VERSIONS:
        for item in manifests:
            try:
                kubernetes_validate.validate(item, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                errors.append(f"{version} {item['kind']}/{item['metadata']['name']}: {error.message}")
    return errors


def test_every_object_is_valid_against_the_kubernetes_schemas(manifests: list[Manifest]) -> None:
    kinds = {item["kind"] for item in manifests}
    assert {"Deployment", "Job", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
            "ConfigMap"} <= kinds
    assert schema_errors(manifests) == []


def test_the_schema_check_rejects_a_broken_manifest() -> None:
    """The validator is live: a replica count as text and an unknown container field are refused."""
    deployment = copy.deepcopy(by_kind(kustomize(BASE), "Deployment")["colo-api"])
    deployment["spec"]["replicas"] = "two"
    assert schema_errors([deployment]) != []
    deployment = copy.deepcopy(by_kind(kustomize(BASE), "Deployment")["colo-api"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    assert schema_errors([deployment]) != []


def test_no_secret_is_shipped_and_secrets_come_only_by_reference(manifests: list[Manifest]) -> None:
    assert by_kind(manifests, "Secret") == {}
    for config in by_kind(manifests, "ConfigMap").values():
        assert set(config["data"]) & SECRET_VARIABLES == set()
    for name, spec in pod_specs(manifests).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                assert "secretRef" not in source, f"{name}: secrets key by key (secretKeyRef)"
            for variable in container.get("env", []):
                if variable["name"] in SECRET_VARIABLES:
                    assert "value" not in variable, f"{name}: {variable['name']} has a literal value"
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "colo-secrets"
                    assert variable["valueFrom"]["secretKeyRef"]["key"] == variable["name"]


def test_every_container_is_probed_limited_and_locked_down(manifests: list[Manifest]) -> None:
    for name, spec in pod_specs(manifests).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name  # the image's user (Dockerfile)
        assert spec["automountServiceAccountToken"] is False, name
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name}/{container['name']}"
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"], where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"], where
            tmp = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{where}: a writable /tmp"
            if not name.startswith("Job/"):
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    assert probe in container, f"{where}: {probe}"
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_job_migrates_and_nothing_else_does(manifests: list[Manifest]) -> None:
    commands = {f"{name}/{container['name']}": " ".join(container.get("command", []) + container.get("args", []))
                for name, spec in pod_specs(manifests).items()
                for container in spec.get("initContainers", []) + spec["containers"]}
    assert {where for where, command in commands.items() if "migrate" in command} == {"Job/colo-migrate/migrate"}
    assert commands["Job/colo-migrate/migrate"] == "colo db migrate"
    assert commands["Deployment/colo-api/api"].startswith("colo serve ")
    assert commands["Deployment/colo-worker/worker"].startswith("colo worker ")


def test_api_replicas_run_no_background_work_and_scale_behind_a_budget(manifests: list[Manifest]) -> None:
    deployments = by_kind(manifests, "Deployment")
    api, worker = deployments["colo-api"], deployments["colo-worker"]
    api_env = {item["name"]: item.get("value") for item in api["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert api_env["COLO_RUN_WORKERS"] == "false"
    worker_env = {item["name"]: item.get("value")
                  for item in worker["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert worker_env.get("COLO_RUN_WORKERS", "true") != "false"
    assert worker["spec"]["replicas"] >= 1
    api_labels = api["spec"]["template"]["metadata"]["labels"]
    hpa = by_kind(manifests, "HorizontalPodAutoscaler")["colo-api"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "colo-api"}
    assert hpa["spec"]["minReplicas"] >= 2
    budget = by_kind(manifests, "PodDisruptionBudget")["colo-api"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= api_labels.items()
    service = by_kind(manifests, "Service")["colo-api"]
    assert service["spec"]["selector"].items() <= api_labels.items()
    policies = by_kind(manifests, "NetworkPolicy")
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selecting = [policy for policy in policies.values()
                     if policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()]
        assert selecting, f"no NetworkPolicy selects {name}"
        assert all(set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"} for policy in selecting)
    api_policy = policies["colo-api"]
    egress_ports = {port["port"] for rule in api_policy["spec"]["egress"] for port in rule["ports"]}
    assert {53, 5432, 6379} <= egress_ports  # DNS, PostgreSQL, Redis (and NetBox's port)
    assert [port["port"] for rule in api_policy["spec"]["ingress"] for port in rule["ports"]] == [8000]


def test_the_migration_phase_can_be_applied_first_with_all_it_needs(manifests: list[Manifest]) -> None:
    """Colo starts (and /readyz answers 200) on an unmigrated database, so OPERATIONS.md applies the
    objects labelled component in (config, migrate) first, waits for the Job, then applies the rest:
    that selection must hold the Job and everything its pod references, and no Colo process."""
    phase = [item for item in manifests
             if item["metadata"].get("labels", {}).get("app.kubernetes.io/component") in {"config", "migrate"}]
    names = {(item["kind"], item["metadata"]["name"]) for item in phase}
    assert ("Job", "colo-migrate") in names and ("NetworkPolicy", "colo-migrate") in names
    spec = pod_specs(phase)["Job/colo-migrate"]
    assert ("ServiceAccount", spec["serviceAccountName"]) in names
    for container in spec["containers"]:
        for source in container.get("envFrom", []):
            assert ("ConfigMap", source["configMapRef"]["name"]) in names
    assert not any(kind in {"Deployment", "HorizontalPodAutoscaler"} for kind, _name in names)


def test_the_autoscaler_alone_sets_the_api_replica_count(manifests: list[Manifest]) -> None:
    """A `replicas` in the Deployment would undo the autoscaler's count at every `kubectl apply`."""
    assert "replicas" not in by_kind(manifests, "Deployment")["colo-api"]["spec"]
