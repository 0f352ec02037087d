"""A misconfigured process stops at start with one line naming the variable."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from gateway.settings import Settings as GatewaySettings
from latchkey.settings import SettingsError
from latchkey_cli.devconfig import generate_secrets
from oidc_link.settings import Settings as OidcLinkSettings
from org_provisioning.settings import Settings as OrgProvisioningSettings
from session.settings import Settings as SessionSettings

SETTINGS = {
    "session": SessionSettings,
    "org-provisioning": OrgProvisioningSettings,
    "oidc-link": OidcLinkSettings,
    "gateway": GatewaySettings,
}


@pytest.fixture
def good_env() -> dict[str, str]:
    return {
        **generate_secrets(),
        "DATABASE_URL": "postgresql://latchkey@127.0.0.1:5432/latchkey",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }


def _error(settings_class, env: dict[str, str]) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        settings_class.from_env(env)
    return caught.value


@pytest.mark.parametrize("service", SETTINGS)
def test_every_service_reads_a_complete_environment(service, good_env):
    settings = SETTINGS[service].from_env(good_env)
    assert settings.common.service == service
    assert settings.common.public_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SESSION_PORT", "abc", "must be an integer, got 'abc'"),
        ("SESSION_PORT", "0", "must be at least 1, got 0"),
        ("REDIS_URL", "ftp://x", "must be a URL with scheme redis://, rediss://, unix://, redis+sentinel://, rediss+sentinel://, redis+cluster://, rediss+cluster://"),
        ("DATABASE_URL", "mysql://db/latchkey", "must be a URL with scheme postgres or postgresql"),
        ("PUBLIC_URL", "auth.example.com", "must be a URL with scheme http or https"),
        ("SESSION_SIGNING_KEY", base64.urlsafe_b64encode(b"k" * 16).decode(), "must decode to 32 bytes, got 16"),
        ("CACHE_HMAC_KEY", "a", "must be base64"),
        ("SECRETS_KEY", base64.b64encode(b"s" * 31).decode(), "must decode to 32 bytes, got 31"),
        ("INTERNAL_PUBLIC_KEYS", "gateway", "must look like issuer=base64key,issuer=base64key"),
        ("SESSION_IDLE_TIMEOUT", "soon", "must be a number, got 'soon'"),
    ],
)
def test_a_bad_variable_is_named_with_what_is_wrong(good_env, variable, value, problem):
    error = _error(SessionSettings, {**good_env, variable: value})
    assert error.variable == variable
    assert str(error) == f"{variable}: {problem}"


@pytest.mark.parametrize("service", SETTINGS)
def test_a_missing_signing_key_is_named(service, good_env):
    variable = service.upper().replace("-", "_") + "_SIGNING_KEY"
    del good_env[variable]
    error = _error(SETTINGS[service], good_env)
    assert (error.variable, str(error)) == (variable, f"{variable}: is required")


def test_gateway_rejects_a_service_url_that_is_not_http(good_env):
    error = _error(GatewaySettings, {**good_env, "SESSION_URLS": "http://127.0.0.1:8081,session:8081"})
    assert error.variable == "SESSION_URLS"
    assert "'session:8081' is not an http(s) URL" in str(error)


def test_a_service_started_with_a_bad_variable_exits_with_one_line_and_no_traceback(good_env, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "session"],
        env={**good_env, "SESSION_PORT": "abc", "PATH": "/usr/bin:/bin", "LATCHKEY_ENV_FILE": str(tmp_path / "none.env")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "session: configuration error: SESSION_PORT: must be an integer, got 'abc'"
