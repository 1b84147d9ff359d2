"""The deployment files agree with the code: docker-compose.yml, the Dockerfiles, the Railway configs
and the docs. No Docker engine and no running stack are needed (these tests do not use `stack`)."""

import json
import re
from pathlib import Path

import pytest
import yaml
from saas_api.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def settings_env_names() -> set[str]:
    """The environment variables Settings reads (pydantic-settings matches them case-insensitively)."""
    return {(field.alias or name).upper() for name, field in Settings.model_fields.items()}


def pinned_litellm_version() -> str:
    match = re.search(r"^litellm\[proxy\]==([\w.]+)$", (ROOT / "litellm" / "requirements.txt").read_text(), re.M)
    assert match, "litellm/requirements.txt must pin litellm[proxy]==X.Y.Z"
    return match.group(1)


def test_every_service_has_an_image_or_a_build() -> None:
    for name, service in SERVICES.items():
        assert "image" in service or "build" in service, name


@pytest.mark.parametrize("name", ["postgres", "redis", "litellm", "saas-api"])
def test_core_services_have_healthchecks(name: str) -> None:
    assert SERVICES[name]["healthcheck"]["test"], name


def test_services_wait_for_their_dependencies_to_be_healthy() -> None:
    for name, service in SERVICES.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert "healthcheck" in SERVICES[dependency], f"{name} waits on {dependency}, which has no healthcheck"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"


def test_litellm_runs_the_official_image_at_the_pinned_version() -> None:
    image = f"ghcr.io/berriai/litellm:main-v{pinned_litellm_version()}"
    assert SERVICES["litellm"]["image"] == image
    assert f"FROM {image}" in (ROOT / "litellm" / "Dockerfile").read_text()


def test_saas_api_environment_is_what_settings_reads() -> None:
    environment = SERVICES["saas-api"]["environment"]
    assert set(environment) <= settings_env_names()
    assert {"SAAS_DATABASE_URL", "MASTER_KEY", "LITELLM_MASTER_KEY", "LITELLM_PROXY_URL", "REDIS_URL"} <= set(
        environment
    )


def environ_references(node: object) -> set[str]:
    """The NAMEs of every `os.environ/NAME` value in a parsed LiteLLM config (comments excluded)."""
    if isinstance(node, dict):
        return set().union(*map(environ_references, node.values()))
    if isinstance(node, list):
        return set().union(*map(environ_references, node))
    return {node.removeprefix("os.environ/")} if isinstance(node, str) and node.startswith("os.environ/") else set()


def test_litellm_environment_provides_every_variable_its_config_names() -> None:
    config = yaml.safe_load((ROOT / "litellm" / "config.yaml").read_text())
    assert environ_references(config) <= set(SERVICES["litellm"]["environment"])


def test_secrets_come_from_the_env_file_not_the_compose_file() -> None:
    for service, secret in [
        ("saas-api", "MASTER_KEY"),
        ("saas-api", "LITELLM_MASTER_KEY"),
        ("litellm", "LITELLM_MASTER_KEY"),
    ]:
        assert SERVICES[service]["environment"][secret].startswith(f"${{{secret}:?"), (service, secret)
    assert SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert ".env" in (ROOT / "saas-api" / ".dockerignore").read_text().split()


def test_saas_api_image_migrates_before_serving() -> None:
    dockerfile = (ROOT / "saas-api" / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert re.search(r"alembic upgrade head && exec uvicorn saas_api\.main:app", dockerfile)


def test_railway_configs_build_from_dockerfiles_and_check_health() -> None:
    spec_paths = json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"]
    api = json.loads((ROOT / "saas-api" / "railway.json").read_text())
    assert api["build"]["builder"] == "DOCKERFILE" and api["deploy"]["healthcheckPath"] in spec_paths
    assert api["deploy"]["preDeployCommand"] == ["alembic upgrade head"]
    proxy = json.loads((ROOT / "litellm" / "railway.json").read_text())
    assert proxy["build"]["builder"] == "DOCKERFILE" and proxy["deploy"]["healthcheckPath"] == "/health/liveliness"


def test_operations_guide_documents_every_setting() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    missing = sorted(name for name in settings_env_names() if f"`{name}`" not in operations)
    assert not missing, f"docs/operations.md does not document {missing}"


def test_api_reference_names_every_route_in_the_spec() -> None:
    reference = (ROOT / "docs" / "api.md").read_text()
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    missing = [
        f"{method.upper()} {path}" for path, operations in spec["paths"].items() for method in operations
        if f"{method.upper()} {path}" not in reference
    ]  # fmt: skip
    assert not missing, f"docs/api.md does not mention {missing}"


def test_committed_openapi_spec_is_current() -> None:
    """docs/openapi.json is regenerated with the API (python scripts/export_openapi.py)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "export_openapi.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
