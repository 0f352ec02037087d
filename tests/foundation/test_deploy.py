"""docker-compose.yml and deploy/ describe a system that can really be built and run.

Static checks only (no Docker daemon): compose accepts the file with the
documented variables and refuses it without them, every image it builds names a
Dockerfile that exists and runs a console script its package really declares,
and the Kubernetes manifests match the Kubernetes API schemas.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from latchkey_cli.devconfig import generate_secrets

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
KUBERNETES = ROOT / "deploy" / "kubernetes"
SERVICES = ("session", "org-provisioning", "oidc-link", "gateway")


def _docker_compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing in CI (.ci/run installs it)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    return binary


def _compose_config(tmp_path: Path, variables: dict[str, str], *overrides: Path) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in variables.items()))
    return subprocess.run(
        [_docker_compose(), "--file", str(COMPOSE), *(f"--file={o}" for o in overrides), "--project-directory", str(ROOT),
         "--env-file", str(env_file), "config"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        timeout=60,
    )


@pytest.fixture(scope="module")
def compose(tmp_path_factory) -> dict:
    """The compose file as docker-compose resolves it, with `latchkey keys` output as .env."""
    result = _compose_config(tmp_path_factory.mktemp("compose"), generate_secrets())
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def _scripts(package_dir: Path) -> dict[str, str]:
    return tomllib.loads((package_dir / "pyproject.toml").read_text())["project"].get("scripts", {})


def test_compose_file_is_valid_with_the_keys_latchkey_prints(compose):
    assert set(compose["services"]) >= {"postgres", "redis", "migrate", *SERVICES}
    assert compose["services"]["postgres"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7"
    assert compose["services"]["redis"]["command"][-2:] == ["--appendonly", "yes"]


def test_compose_refuses_to_start_without_a_signing_key(tmp_path):
    secrets = generate_secrets()
    del secrets["GATEWAY_SIGNING_KEY"]
    result = _compose_config(tmp_path, secrets)
    assert result.returncode != 0
    assert "GATEWAY_SIGNING_KEY" in result.stderr


def test_only_the_gateway_is_published(compose):
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"gateway", "mailpit"}
    # Mailpit's inbox holds reset links: reachable from this host only.
    assert all(str(port).startswith("127.0.0.1:") for port in compose["services"]["mailpit"]["ports"])


def test_the_services_send_mail_to_mailpit_unless_told_otherwise(compose):
    assert compose["services"]["session"]["environment"]["SMTP_URL"] == "smtp://mailpit:1025"


def test_every_built_image_names_an_existing_dockerfile_and_a_declared_console_script(compose):
    built = {name: service for name, service in compose["services"].items() if "build" in service}
    assert set(built) >= {"migrate", *SERVICES}
    for name, service in built.items():
        build = service["build"]
        assert (Path(build["context"]) / build["dockerfile"]).is_file(), name
        package_dir = ROOT / build["args"]["PACKAGE"]
        scripts = _scripts(package_dir)
        runs = (service.get("entrypoint") or service["command"])[0]
        for script in (build["args"]["COMMAND"], runs):
            assert script in scripts, f"{name}: {script} is not a console script of {package_dir}/pyproject.toml"


def test_services_wait_for_healthy_stores_and_finished_migrations(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("session", "org-provisioning", "oidc-link"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy", name
    assert {s for s, d in services["gateway"]["depends_on"].items() if d["condition"] == "service_healthy"} >= {
        "session",
        "org-provisioning",
        "oidc-link",
    }


def test_each_service_gets_its_own_signing_key_and_the_gateway_no_database(compose):
    for name in SERVICES:
        env = compose["services"][name]["environment"]
        own = name.upper().replace("-", "_") + "_SIGNING_KEY"
        assert env[own] and env["HOST"] == "0.0.0.0", name
        others = {s.upper().replace("-", "_") + "_SIGNING_KEY" for s in SERVICES} - {own}
        assert not others & set(env), f"{name} receives another service's signing key"
    assert "DATABASE_URL" not in compose["services"]["gateway"]["environment"]
    assert "SECRETS_KEY" not in compose["services"]["gateway"]["environment"]


def test_dockerfile_builds_wheels_and_runs_as_a_non_root_user_with_a_health_check(compose):
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE))
    for name, service in compose["services"].items():
        if "build" in service:
            package = service["build"]["args"]["PACKAGE"]
            assert any(package == c or package.startswith(c + "/") for c in copied), f"{name}: {package} is not copied"
    assert " AS builder" in dockerfile and "pip wheel" in dockerfile
    assert "\nUSER 10001" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def _manifests() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        documents += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def test_kubernetes_manifests_match_the_kubernetes_schemas():
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    checked = 0
    for filename, document in _manifests():
        if document["kind"] == "Kustomization":
            continue
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
        checked += 1
    assert checked >= 19


def test_kubernetes_deployments_probe_health_and_run_as_non_root():
    deployments = {doc["metadata"]["name"]: doc for _f, doc in _manifests() if doc["kind"] == "Deployment"}
    assert set(deployments) == {f"latchkey-{name}" for name in SERVICES}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["resources"]["limits"] and container["resources"]["requests"], name
        package = "gateway" if name == "latchkey-gateway" else "services/" + name.removeprefix("latchkey-")
        assert container["command"][0] in _scripts(ROOT / package), name


def test_every_secret_a_deployment_reads_is_in_the_secret_template_and_session_can_send_mail():
    template = yaml.safe_load((KUBERNETES / "secret.template.yaml").read_text())["stringData"]
    asked: dict[str, set[str]] = {}
    for _filename, document in _manifests():
        if document["kind"] != "Deployment":
            continue
        (container,) = document["spec"]["template"]["spec"]["containers"]
        refs = [item["valueFrom"]["secretKeyRef"] for item in container.get("env", []) if "valueFrom" in item]
        asked[document["metadata"]["name"]] = {ref["key"] for ref in refs}
        assert all(ref["name"] == "latchkey-secrets" and ref["key"] in template for ref in refs), document["metadata"]["name"]
    assert "SMTP_URL" in asked["latchkey-session"]
    assert "DATABASE_URL" not in asked["latchkey-gateway"]


def test_kustomization_lists_every_manifest_but_the_secret_template():
    listed = set(yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml", "secret.template.yaml"}
    assert listed == present


def test_the_cluster_override_runs_every_process_on_a_three_node_redis_cluster(tmp_path):
    result = _compose_config(tmp_path, generate_secrets(), ROOT / "docker-compose.cluster.yml")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    nodes = [name for name, service in services.items() if "--cluster-enabled" in (service.get("command") or [])]
    assert len(nodes) == 3
    assert "--cluster create" in " ".join(services["redis-cluster"]["command"])
    for name in ("latchkey", *SERVICES):
        assert services[name]["environment"]["REDIS_URL"] == "redis+cluster://" + ",".join(f"{n}:6379" for n in nodes), name
        assert services[name]["depends_on"]["redis-cluster"]["condition"] == "service_completed_successfully", name


def test_every_deployment_has_an_autoscaler_and_a_disruption_budget_and_leaves_replicas_to_it():
    documents = [doc for _f, doc in _manifests()]
    deployments = {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == "Deployment"}
    scaled = {doc["spec"]["scaleTargetRef"]["name"]: doc for doc in documents if doc["kind"] == "HorizontalPodAutoscaler"}
    budgets = {doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]: doc for doc in documents if doc["kind"] == "PodDisruptionBudget"}
    assert set(scaled) == set(budgets) == set(deployments)
    for name, deployment in deployments.items():
        assert "replicas" not in deployment["spec"], f"{name}: kubectl apply would reset what the autoscaler chose"
        assert scaled[name]["spec"]["minReplicas"] >= 2, name  # a drain of one node leaves one serving
        assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == name
