"""A misconfigured gateway stops at start with one line naming the variable."""

from __future__ import annotations

import pytest

from gateway.settings import Settings
from latchkey.settings import SettingsError


def test_service_urls_list_several_instances(base_env):
    settings = Settings.from_env({**base_env, "SESSION_URLS": "http://10.0.0.1:8081, http://10.0.0.2:8081/"})
    assert settings.session_urls == ("http://10.0.0.1:8081", "http://10.0.0.2:8081")


@pytest.mark.parametrize("value", ["https://session.internal:8081", "ftp://x", ""])
def test_service_urls_must_be_plain_http(base_env, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**base_env, "SESSION_URLS": value or ","})
    assert raised.value.variable == "SESSION_URLS"
