"""Provider configuration is checked at start, and a mistake names the entry and field."""

from __future__ import annotations

import pytest

from latchkey.settings import Env, SettingsError
from oidc_link.provider_config import DEFAULT_SCOPES, load_providers
from oidc_link.settings import Settings

GOOD = """
[[providers]]
id = "google"
name = "Google"
icon = "https://icons.example/google.svg"
issuer = "https://accounts.google.com/"
client_id = "abc.apps.googleusercontent.com"
client_secret_env = "GOOGLE_SECRET"
"""


def load(tmp_path, text: str, env: dict[str, str] | None = None):
    path = tmp_path / "providers.toml"
    path.write_text(text)
    return load_providers(str(path), Env({"GOOGLE_SECRET": "s3cret-value", **(env or {})}))


def test_a_valid_provider_is_loaded_with_default_scopes_and_the_secret_from_the_environment(tmp_path):
    (provider,) = load(tmp_path, GOOD)
    assert provider.id == "google"
    assert provider.issuer == "https://accounts.google.com"
    assert provider.discovery_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert provider.scopes == DEFAULT_SCOPES
    assert provider.client_secret == "s3cret-value"
    assert "s3cret-value" not in repr(provider)


def test_no_file_configured_means_no_providers():
    assert load_providers(None, Env({})) == ()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('issuer = "https://accounts.google.com/"', 'issuer = "http://accounts.google.com"'), "providers[0] ('google').issuer"),
        (('issuer = "https://accounts.google.com/"', 'issuer = "not a url"'), "providers[0] ('google').issuer"),
        (('client_secret_env = "GOOGLE_SECRET"', 'client_secret_env = "MISSING_SECRET"'), "MISSING_SECRET is not set"),
        (('client_secret_env = "GOOGLE_SECRET"', 'client_secret_env = "hunter2 is my secret"'), "client_secret_env"),
        (('client_secret_env = "GOOGLE_SECRET"', 'client_secret = "inline"'), "client_secret: unknown field"),
        (('id = "google"', 'id = "Bad Id"'), "providers[0] ('Bad Id').id"),
        (('id = "google"', 'id = "callback"'), "providers[0] ('callback').id"),
        (('name = "Google"', ""), "providers[0] ('google').name"),
        (('icon = "https://icons.example/google.svg"', 'icon = "x"\nscopes = ["email"]'), "must include 'openid'"),
        (('icon = "https://icons.example/google.svg"', 'icon = "x"\nscopes = "openid"'), ".scopes"),
    ],
)
def test_a_bad_entry_is_refused_naming_entry_and_field(tmp_path, change, named):
    with pytest.raises(SettingsError) as raised:
        load(tmp_path, GOOD.replace(*change))
    assert raised.value.variable == "OIDC_PROVIDERS_FILE"
    assert named in str(raised.value)
    assert "s3cret-value" not in str(raised.value)


def test_duplicate_ids_and_broken_files_are_refused(tmp_path):
    with pytest.raises(SettingsError, match="two providers share the id 'google'"):
        load(tmp_path, GOOD + GOOD)
    with pytest.raises(SettingsError, match="not valid TOML"):
        load(tmp_path, "[[providers]\n")
    with pytest.raises(SettingsError, match="cannot read"):
        load_providers(str(tmp_path / "absent.toml"), Env({}))


def test_localhost_issuers_may_use_http(tmp_path):
    (provider,) = load(tmp_path, GOOD.replace("https://accounts.google.com/", "http://127.0.0.1:9000/tenant"))
    assert provider.issuer == "http://127.0.0.1:9000/tenant"


def test_the_service_refuses_to_start_with_a_bad_provider_file(base_env, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(GOOD)
    with pytest.raises(SettingsError, match="GOOGLE_SECRET is not set"):
        Settings.from_env({**base_env, "OIDC_PROVIDERS_FILE": str(path)})
    settings = Settings.from_env({**base_env, "OIDC_PROVIDERS_FILE": str(path), "GOOGLE_SECRET": "x", "OIDC_FLOW_TTL": "30"})
    assert [p.id for p in settings.providers] == ["google"]
    assert settings.flow_ttl == 30


def test_the_example_file_in_the_repository_is_valid():
    from tests.oidc_link.conftest import ROOT

    example = ROOT / "services/oidc-link/providers.example.toml"
    providers = load_providers(str(example), Env({"OIDC_GOOGLE_CLIENT_SECRET": "a", "OIDC_OKTA_CLIENT_SECRET": "b"}))
    assert [p.id for p in providers] == ["google", "okta"]
