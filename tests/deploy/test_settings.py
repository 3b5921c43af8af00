"""Deployment configuration: the .env file, .env.example, log rotation, error reporting and
the database connection's options.

Settings are read once per process, so each case imports them in a fresh interpreter with
the environment under test (nothing here touches the network or a database).
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
SHOW_SETTINGS = (
    "import json, sys, config.settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in sys.argv[1:]}, default=str))"
)
SHOW_FILE_LOG_HANDLER = (
    "import json, logging, django; django.setup(); "
    "(handler,) = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]; "
    "print(json.dumps({'class': type(handler).__name__, 'file': handler.baseFilename, "
    "'when': getattr(handler, 'when', None), 'utc': getattr(handler, 'utc', None), "
    "'max_bytes': getattr(handler, 'maxBytes', None), 'backups': handler.backupCount}))"
)
SHOW_SENTRY = (
    "import json, config.settings, sentry_sdk; client = sentry_sdk.get_client(); "
    "print(json.dumps({'active': client.is_active(), 'dsn': client.options.get('dsn'), "
    "'send_default_pii': client.options.get('send_default_pii'), "
    "'max_request_body_size': client.options.get('max_request_body_size'), "
    "'integrations': sorted(client.integrations)}))"
)
SENTRY_DSN = "http://public-key@127.0.0.1:9/1"


def python(code: str, *args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    """Runs `code` in a new interpreter whose environment is this one's plus `env`."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_values(*names: str, cwd: Path = ROOT, **env: str) -> dict:
    result = python(SHOW_SETTINGS, *names, cwd=cwd, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_dotenv_file_fills_in_what_the_environment_leaves_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    env_file = tmp_path / "production.env"
    env_file.write_text("SITE_URL=https://tickets.example.com\nBOOKING_HOLD_SECONDS=120\n")

    values = settings_values(
        "SITE_URL", "BOOKING_HOLD_SECONDS", ENV_FILE=str(env_file), BOOKING_HOLD_SECONDS="300"
    )

    assert values == {"SITE_URL": "https://tickets.example.com", "BOOKING_HOLD_SECONDS": 300}


def test_the_dotenv_beside_manage_py_is_read_unless_env_file_is_empty(tmp_path, monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("ENV_FILE")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / ".env").write_text("SITE_URL=https://beside-manage.example\n")

    assert settings_values("SITE_URL", cwd=tmp_path) == {
        "SITE_URL": "https://beside-manage.example"
    }
    assert settings_values("SITE_URL", cwd=tmp_path, ENV_FILE="") == {
        "SITE_URL": "http://127.0.0.1:8000"
    }


def test_a_named_env_file_that_does_not_exist_stops_the_start(tmp_path):
    missing = tmp_path / "missing.env"

    result = python(SHOW_SETTINGS, "SITE_URL", ENV_FILE=str(missing))

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"ENV_FILE names {missing}, which is not a file." in result.stderr


def _variables_read_by_the_settings() -> set[str]:
    """Every NAME of env("NAME"), env.int("NAME", ...) and the like, and of the throttle
    scopes' THROTTLE_RATE_<SCOPE>, in the settings module (or package)."""
    import config.settings

    origin = Path(config.settings.__file__)
    files = sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
    names = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            function = node.func
            if isinstance(function, ast.Attribute):
                function = function.value
            if isinstance(function, ast.Name) and function.id == "env":
                names.add(first.value)
            elif isinstance(function, ast.Name) and function.id == "_rate":
                names.add(f"THROTTLE_RATE_{first.value.upper()}")
    return names


def test_env_example_documents_every_variable_the_settings_read():
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), re.MULTILINE))
    read = _variables_read_by_the_settings()

    assert len(read) >= 40
    assert read - documented == set()


def test_env_example_lines_mean_the_same_to_compose_and_to_django_environ():
    settings_lines = [
        line for line in EXAMPLE.read_text().splitlines() if line and not line.startswith("#")
    ]

    assert [line.split("=")[0] for line in settings_lines] == [
        "SECRET_KEY",
        "ENCRYPTION_KEY",
        "ALLOWED_HOSTS",
        "FORWARDED_ALLOW_IPS",
    ]
    # Unquoted, no spaces, no `#` (a comment to compose), no `$` (interpolated by compose).
    for line in settings_lines:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s#$'\"]+", line), line


@pytest.mark.parametrize(
    ("env", "handler"),
    [
        (
            {"LOG_ROTATION": "daily"},
            {"class": "TimedRotatingFileHandler", "when": "MIDNIGHT", "utc": True},
        ),
        (
            {"LOG_FILE_BACKUPS": "3"},
            {"class": "RotatingFileHandler", "max_bytes": 10 * 1024 * 1024, "backups": 3},
        ),
    ],
    ids=["daily: a new file at midnight UTC", "by default: a new file every 10 MiB"],
)
def test_the_log_file_rotates_daily_or_by_size(tmp_path, env, handler):
    log_file = tmp_path / "tickets.log"

    result = python(SHOW_FILE_LOG_HANDLER, LOG_FILE=str(log_file), **env)

    assert result.returncode == 0, result.stderr
    defaults = {"file": str(log_file), "when": None, "utc": None, "max_bytes": None, "backups": 5}
    assert json.loads(result.stdout) == {**defaults, **handler}


def test_an_unknown_log_rotation_stops_the_start(tmp_path):
    result = python(
        SHOW_SETTINGS, "LOG_ROTATION", LOG_FILE=str(tmp_path / "x.log"), LOG_ROTATION="weekly"
    )

    assert result.returncode == 1
    assert "LOG_ROTATION is 'weekly': use 'size' or 'daily'." in result.stderr
    assert not (tmp_path / "x.log").exists()


def test_sentry_reports_errors_of_requests_and_tasks_without_personal_data_when_a_dsn_is_set():
    result = python(SHOW_SENTRY, SENTRY_DSN=SENTRY_DSN)

    assert result.returncode == 0, result.stderr
    reported = json.loads(result.stdout)
    assert {key: value for key, value in reported.items() if key != "integrations"} == {
        "active": True,
        "dsn": SENTRY_DSN,
        "send_default_pii": False,
        "max_request_body_size": "never",
    }
    assert {"django", "celery"} <= set(reported["integrations"])


def test_sentry_stays_off_without_a_dsn():
    result = python(SHOW_SENTRY)

    assert result.returncode == 0, result.stderr
    reported = json.loads(result.stdout)
    assert (reported["active"], reported["dsn"], reported["integrations"]) == (False, None, [])


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_shares_sessions():
    url = "postgres://tickets@127.0.0.1:5432/tickets"

    (on,) = settings_values("DATABASES", DATABASE_URL=url).values()
    (off,) = settings_values("DATABASES", DATABASE_URL=url, DB_PREPARED_STATEMENTS="false").values()

    assert on["default"]["OPTIONS"]["server_side_binding"] is True
    assert on["default"]["OPTIONS"]["prepare_threshold"] == 5
    assert "server_side_binding" not in off["default"]["OPTIONS"]
    assert "prepare_threshold" not in off["default"]["OPTIONS"]
