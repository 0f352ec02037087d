"""What the services receive through the gateway, and what comes back (echo upstream)."""

from __future__ import annotations

import json

from .support import new_session


async def test_credentials_never_reach_the_service_and_the_identity_does(gateway_to, echo, sessions, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 41)
    headers = {
        "Cookie": f"theme=dark; sesskey={sesskey}; lang=fr",
        "Authorization": "Bearer " + sesskey,
        "X-Request-ID": "req-12345678",
    }
    url = f"{system.gateway}/api/1/users/me?sesskey={sesskey}&keep=1"
    async with http.get(url, headers=headers) as response:
        assert response.status == 200
        assert response.headers["X-Request-ID"] == "req-12345678"
        seen = await response.json()
    assert seen["path"] == "/api/1/users/me"
    assert seen["query"] == "keep=1"
    assert "authorization" not in seen["headers"]
    assert seen["headers"]["cookie"] == "theme=dark; lang=fr"
    assert seen["headers"]["x-request-id"] == "req-12345678"
    assert sesskey not in json.dumps(seen)
    assert seen["principal"]["sub"] == "41" and seen["principal"]["aud"] == "session"
    assert seen["principal"]["amr"] == ["pwd"] and seen["principal"]["perms"] == ["oauth"]


async def test_body_credentials_are_removed_and_the_rest_of_the_body_kept(gateway_to, echo, sessions, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 42)
    origin = {"Origin": system.gateway}
    async with http.put(system.gateway + "/api/1/users/me/password", json={"sesskey": sesskey, "newPassword": "p w"}, headers=origin) as response:
        seen = await response.json()
    assert json.loads(seen["body"]) == {"newPassword": "p w"}
    assert seen["principal"]["sub"] == "42"
    form = {"sesskey": sesskey, "note": "a&b=c"}
    async with http.put(system.gateway + "/api/1/users/me/password", data=form, headers=origin) as response:
        seen = await response.json()
    assert seen["body"] == "note=a%26b%3Dc"
    assert seen["principal"]["sub"] == "42"


async def test_a_body_without_credentials_is_forwarded_byte_for_byte(gateway_to, echo, http):
    system = await gateway_to()
    raw = '{ "email" : "a@example.com",  "password": "x" }'
    async with http.post(system.gateway + "/api/1/auth/session", data=raw, headers={"Content-Type": "application/json"}) as response:
        assert (await response.json())["body"] == raw
    payload = bytes(range(256)) * 40
    async with http.post(system.gateway + "/api/1/auth/session", data=payload, headers={"Content-Type": "application/octet-stream"}) as response:
        assert (await response.json())["body"] == payload.decode(errors="replace")


async def test_spoofed_internal_headers_are_dropped_and_replaced(gateway_to, echo, sessions, http):
    system = await gateway_to()
    spoofed = {
        "X-Latchkey-Identity": "forged.jwt.value",
        "X-Real-IP": "6.6.6.6",
        "X-Forwarded-For": "6.6.6.6",
        "X-Forwarded-Proto": "https",
        "Forwarded": "for=6.6.6.6",
    }
    async with http.get(system.gateway + "/api/v1/sso/providers", headers=spoofed) as response:
        assert response.status == 200
        seen = await response.json()
    assert seen["principal"] is None
    assert "forged.jwt.value" not in json.dumps(seen)
    assert seen["headers"]["x-real-ip"] == "127.0.0.1"
    assert seen["headers"]["x-forwarded-for"] == "6.6.6.6, 127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert "forwarded" not in seen["headers"]
    # On an authenticated route the forged header vouches for nobody.
    async with http.get(system.gateway + "/api/1/users/me", headers=spoofed) as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthenticated"
    sesskey = await new_session(sessions, 43)
    async with http.get(system.gateway + "/api/1/users/me", headers={**spoofed, "Authorization": "Bearer " + sesskey}) as response:
        assert (await response.json())["principal"]["sub"] == "43"


async def test_redirects_and_every_set_cookie_come_back_unchanged(gateway_to, echo, http):
    system = await gateway_to()
    async with http.get(system.gateway + "/api/v1/sso/google/login", headers={"X-Echo-Redirect": "1"}, allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == "/somewhere"
        assert sorted(response.headers.getall("Set-Cookie")) == ["a=1; Path=/", "b=2; Path=/"]


async def test_large_unsized_answers_are_relayed_whole(gateway_to, echo, http):
    system = await gateway_to()
    async with http.get(system.gateway + "/api/v1/sso/providers", headers={"X-Echo-Big": "1"}) as response:
        assert response.status == 200
        assert len(await response.read()) == 800_000


async def test_trailing_slash_is_accepted_on_the_account_api(gateway_to, echo, sessions, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 44)
    async with http.get(system.gateway + "/api/1/users/me/", headers={"Authorization": "Bearer " + sesskey}) as response:
        assert response.status == 200
        assert (await response.json())["path"] == "/api/1/users/me"


async def test_unknown_api_routes_are_404_in_their_family_envelope(gateway_to, echo, http):
    system = await gateway_to()
    async with http.get(system.gateway + "/api/1/nothing/here") as response:
        assert response.status == 404
        assert (await response.json()) == {"success": False, "error": {"code": "not_found", "message": "No such API route."}}
    async with http.get(system.gateway + "/api/organization/acme/nothing") as response:
        assert response.status == 404
        assert response.content_type == "application/problem+json"
        assert (await response.json())["code"] == "not_found"
    for path in ("/internal/auth/password", "/internal/org-keys/verify"):
        async with http.post(system.gateway + path, json={}) as response:
            assert response.status == 404
    assert echo.seen == []


async def test_a_session_cookie_in_any_spelling_the_gateway_reads_is_removed_before_forwarding(gateway_to, echo, sessions, http):
    system = await gateway_to()
    sesskey = await new_session(sessions, 44)
    for cookie in (f"theme=dark; sesskey ={sesskey}", f"theme=dark sesskey={sesskey}"):
        async with http.get(system.gateway + "/api/1/users/me", headers={"Cookie": cookie}) as response:
            assert response.status == 200
            seen = await response.json()
        assert seen["principal"]["sub"] == "44"  # the gateway read it as the session cookie...
        assert sesskey not in json.dumps(seen)  # ...so it must not travel on
        assert seen["headers"]["cookie"] == "theme=dark"
    # A value that merely contains `;sesskey=` stays one quoted value: nothing is split out of it.
    async with http.get(system.gateway + "/api/v1/sso/providers", headers={"Cookie": 'note="a;sesskey=b"'}) as response:
        assert (await response.json())["headers"]["cookie"] == 'note="a;sesskey=b"'
