"""Schemathesis over the whole API schema against the production server: no input reaches a
500 (issue 9), and every answer is one the schema documents.

`st run` reads /api/schema/ and sends what it generates from it (boundary values and wrong
types for every parameter, random examples, then sequences of calls), checking that no
response is a server error and that each response's status, content type and body are
those the schema gives for the operation (errors included: a client generated from the
schema knows every answer it can get). Every operation is exercised as the role that may call it, so
requests get past the permission check to the input handling (any other role would only
collect 403s); the roles run at once, each as its own `st run`. The server's throttles are
raised for this (see `production_server`), and the number of examples per operation is
bounded, with a fixed seed, so a run is repeatable and takes well under a minute.
"""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.deploy.conftest import PRODUCTION, PROXIED_HTTPS

pytestmark = [*PRODUCTION, pytest.mark.schemathesis]

OWN_PATHS = {
    "anonymous": r"^/_allauth/",  # the mobile sign-in answers 409 to a signed-in caller
    "customer": r"^/api/v1/(auth|bookings|payments|tickets)/",
    "manager": r"^/api/v1/validation/",
    "super_admin": r"^/api/v1/admin/",
}
SELLER_PATHS = r"^/(_allauth|api/v1/(auth|bookings|payments|tickets|validation|admin))/"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
MAX_EXAMPLES = 5
SEED = 20261130


def _selection(role: str) -> list[str]:
    """The operations `role` exercises: its own paths; the seller takes all the others."""
    if role == "seller":
        return ["--exclude-path-regex", SELLER_PATHS]
    return ["--include-path-regex", OWN_PATHS[role]]


def _st_run(server, role: str, workdir: Path) -> tuple[dict, str]:
    """One `st run` as `role`; returns its JSON report and its console output."""
    headers = [f"{name}: {value}" for name, value in PROXIED_HTTPS.items()]
    if role != "anonymous":
        headers.append(f"X-Session-Token: {server.token(f'{role}@schemathesis.test', role)}")
    report = workdir / f"{role}.json"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{server.base_url}/api/schema/",
            *[argument for header in headers for argument in ("--header", header)],
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            # Signing out, or deleting the account, would end the session every later request
            # of the run relies on.
            "--exclude-path",
            "/api/v1/auth/logout/",
            "--exclude-operation-id",
            "v1_auth_profile_destroy",
            *_selection(role),
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if not report.exists():
        pytest.fail(f"st run as {role} wrote no report:\n{result.stdout}\n{result.stderr}")
    return json.loads(report.read_text()), result.stdout


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    production_server, tmp_path
):
    roles = [*OWN_PATHS, "seller"]
    with ThreadPoolExecutor(max_workers=len(roles)) as pool:
        runs = dict(
            zip(
                roles,
                pool.map(lambda role: _st_run(production_server, role, tmp_path), roles),
                strict=True,
            )
        )

    failures = {role: output for role, (report, output) in runs.items() if report["exit_code"] != 0}
    assert failures == {}, "\n\n".join(
        f"=== as {role}\n{output}" for role, output in failures.items()
    )
    for role, (report, _) in runs.items():
        assert report["complete"] is True, role
        assert report["test_cases"]["generated"] > 0, role
        assert report["failures"] == report["errors"] == [], role
