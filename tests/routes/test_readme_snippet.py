"""The README's "Verify the identity in your service" Python snippet, run as written against a real gateway."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import jwt
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippet() -> str:
    text = README.read_text()
    match = re.search(r"<!-- verify-identity-python -->\n```python\n(.*?)```", text, re.S)
    assert match, "the README lost its tested Python snippet"
    return match.group(1)


async def token_for(http, gateway: str, uri: str, apikey: str) -> str:
    headers = {"X-Original-URI": uri, "X-Original-Method": "GET", "X-API-Key": apikey}
    async with http.get(gateway + "/auth/verify", headers=headers) as response:
        assert response.status == 200
        return response.headers["X-Latchkey-Identity"]


async def test_the_python_snippet_verifies_a_real_identity_and_nothing_else(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    namespace: dict = {}
    exec(readme_snippet().replace("http://127.0.0.1:8080", stack.gateway), namespace)  # noqa: S102 - our own README
    verify = namespace["latchkey_identity"]
    token = await token_for(http, stack.gateway, "/devices", stack.account.apikey)
    # PyJWKClient blocks on urllib; the gateway runs on this test's event loop, so off it.
    claims = await asyncio.to_thread(verify, {"X-Latchkey-Identity": token})
    assert (claims["sub"], claims["amr"], claims["aud"]) == (str(stack.account.userid), ["api_key"], "device-api")
    for_another = await token_for(http, stack.gateway, "/api/1/users/me", stack.account.apikey)  # aud latchkey:session
    with pytest.raises(jwt.InvalidAudienceError):
        await asyncio.to_thread(verify, {"X-Latchkey-Identity": for_another})
    head, payload, signature = token.split(".")
    with pytest.raises(jwt.InvalidSignatureError):
        await asyncio.to_thread(verify, {"X-Latchkey-Identity": f"{head}.{for_another.split('.')[1]}.{signature}"})
