"""The OpenAPI document says what the server does: schemathesis, every check, three kinds of caller.

schemathesis (pinned in requirements-dev.txt) reads the gateway's
`/api/openapi.json` and sends property-based requests (examples, coverage,
fuzzing and stateful phases) with no credential, with a session, and with an
organization key, and every check must pass: no 5xx, only documented statuses,
content types, headers and bodies, schema-valid requests accepted and invalid
ones refused, 405 for undocumented methods, auth that is really required.

What is configured rather than found (each for a reason the server states):
- `generation.allow-x00 = false`, `generation.codec = "utf-8"`: the server
  refuses NUL and lone surrogates in any string (PostgreSQL text cannot hold
  them) with 400; the document cannot spell that for free-form property names.
- `generation.with-security-parameters = false`: the credential of each run
  comes from its headers; otherwise schemathesis adds empty `sesskey`/`apikey`
  values, which the gateway reads as absent, and `ignored_auth` takes the real
  credential beside them for an ignored one.
- The operations of `SECRET_CHECKS` (password change, account deletion,
  two-factor confirm and disable, the mailed reset and verification tokens): a
  generated current password, TOTP code or token is never the right one, so their 400 counts as expected for
  `positive_data_acceptance`.
- In the session run, logging out (DELETE /api/1/auth/session, /sessions) is
  left out: it ends the session the rest of the run uses (the runs without a
  session cover it).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.oidc_link.conftest import TENANTS, provider_base  # noqa: F401 (a fixture: the test OpenID Provider)
from tests.session.conftest import CHEAP_ARGON2

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
EMAIL, PASSWORD = "admin@example.com", "contract test password"
# Operations whose body must carry a secret the generator cannot know (the current password, the
# authenticator's current code, a mailed token): their 400 is the expected answer to a schema-valid guess.
SECRET_CHECKS = [
    ("/api/1/auth/password-reset/confirm", "POST"),
    ("/api/1/auth/email-change/confirm", "POST"),
    ("/api/1/users/me/email", "POST"),
    ("/api/1/auth/email-verification/confirm", "POST"),
    ("/api/1/users/me/password", "PUT"),
    ("/api/1/users/me", "DELETE"),
    ("/api/1/users/me/mfa/totp/confirm", "POST"),
    ("/api/1/users/me/mfa/totp", "DELETE"),
]
COMMON_CONFIG = """
[generation]
allow-x00 = false
codec = "utf-8"
with-security-parameters = false
""" + "".join(
    f"""
[[operations]]
include-name = "{method} {path}"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 409, 429]
"""
    for path, method in SECRET_CHECKS
)
KEEP_THE_SESSION = """
[[operations]]
include-name = ["DELETE /api/1/auth/session", "DELETE /api/1/auth/sessions"]
enabled = false
"""


async def _schemathesis(url: str, config: Path, headers: dict[str, str]) -> tuple[int, str]:
    arguments = [str(SCHEMATHESIS), "--config-file", str(config), "run", url, "--checks", "all"]
    arguments += ["--max-examples", "8", "--max-time", "45", "--workers", "1", "--seed", "12", "--no-color"]
    arguments += ["--generation-database", "none"]  # no example store left in the working tree
    for name, value in headers.items():
        arguments += ["--header", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *arguments, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"}
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def test_every_route_does_what_the_openapi_document_says(start_system, http, tmp_path, provider_base):
    from org_provisioning import operator as org_operator
    from org_provisioning.settings import Settings as OrgSettings
    from session import operator as session_operator
    from session.settings import Settings as SessionSettings

    # One configured provider, the test OpenID Provider's `acme` tenant.
    providers = tmp_path / "providers.toml"
    providers.write_text(
        f'[[providers]]\nid = "acme"\nname = "Acme"\nicon = "https://icons.example/acme.svg"\nissuer = "{provider_base}/acme"\n'
        f'client_id = "{TENANTS["acme"]["client_id"]}"\nclient_secret_env = "ACME_SECRET"\n'
    )
    system = await start_system(
        OIDC_PROVIDERS_FILE=str(providers), ACME_SECRET=TENANTS["acme"]["client_secret"], LOGIN_MAX_FAILURES="1000000",
        LOGIN_MAX_FAILURES_PER_ADDRESS="1000000", **CHEAP_ARGON2,
    )
    org = await org_operator.create_organization(OrgSettings.from_env(system.env), slug="demo", name="Demo", auth_redirect_url=None)
    await session_operator.create_user(
        SessionSettings.from_env(system.env), email=EMAIL, password=PASSWORD, org_id=org["id"], role="ADMIN", name="Admin"
    )
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": EMAIL, "password": PASSWORD}) as response:
        assert response.status == 200
        sesskey = (await response.json())["data"]["sesskey"]
    common = tmp_path / "common.toml"
    common.write_text(COMMON_CONFIG)
    with_session = tmp_path / "session.toml"
    with_session.write_text(COMMON_CONFIG + KEEP_THE_SESSION)
    url = system.gateway + "/api/openapi.json"
    runs = {
        "no credential": _schemathesis(url, common, {}),
        "a session": _schemathesis(url, with_session, {"Authorization": "Bearer " + sesskey}),
        "an org key": _schemathesis(url, common, {"x-org-id": "demo", "x-api-key": org["apiKey"]}),
    }
    results = dict(zip(runs, await asyncio.gather(*runs.values())))
    failed = {name: _failures(output) for name, (code, output) in results.items() if code != 0}
    assert not failed, "\n\n".join(f"===== {name}\n{output}" for name, output in failed.items())


def _failures(output: str) -> str:
    """schemathesis's report from its FAILURES section on, each line cut short (a generated URL can be huge)."""
    start = output.find("FAILURES")
    lines = output[start if start >= 0 else 0 :].splitlines()
    return "\n".join(line[:300] for line in lines)[:8000]
