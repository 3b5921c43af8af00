"""Production settings pass `check --deploy` with no warnings at all; docker-compose puts the
app behind its one proxy."""

import base64
import ipaddress
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tickets.example.com",
        CSRF_TRUSTED_ORIGINS="https://tickets.example.com",
        ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(extra)
    return env


def run_check(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_check(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_refuses_the_development_encryption_key():
    env = production_env()
    env.pop("ENCRYPTION_KEY")
    result = run_check(env)
    assert result.returncode != 0
    assert "platform.E001" in result.stderr + result.stdout


def test_compose_with_the_example_env_copied_as_it_is_passes_check_deploy():
    compose_env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]["environment"]

    result = run_check(
        {"PATH": os.environ["PATH"], "ENV_FILE": str(ROOT / ".env.example"), **compose_env}
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_reaches_web_only_through_the_proxy_and_trusts_only_it():
    compose = _compose()
    services = compose["services"]
    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    network = compose["networks"]["default"]["ipam"]["config"][0]

    assert "ports" not in services["web"]
    assert services["proxy"]["ports"] == ["${PROXY_PORT:-8000}:8000"]
    assert services["web"]["environment"]["FORWARDED_ALLOW_IPS"] == proxy_address
    assert services["web"]["environment"]["NUM_PROXIES"] == "1"
    # A fixed address outside the range handed to the other containers.
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(network["subnet"])
    assert ipaddress.ip_address(proxy_address) not in ipaddress.ip_network(network["ip_range"])


def test_compose_scales_web_and_worker_but_keeps_one_beat():
    services = _compose()["services"]

    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    # One process per replica: the proxy balances processes (README, Benchmarks).
    assert services["web"]["environment"]["WEB_CONCURRENCY"] == "1"
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-1}"
    assert services["beat"]["deploy"]["replicas"] == 1


def test_compose_sets_every_variable_of_the_proxy_template():
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    proxy = _compose()["services"]["proxy"]

    assert set(re.findall(r"\$\{([A-Z_]+)\}", template)) == set(proxy["environment"])
    assert proxy["volumes"] == [
        "./deploy/nginx.conf.template:/etc/nginx/templates/default.conf.template:ro"
    ]
