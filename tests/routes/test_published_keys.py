"""/.well-known/jwks.json publishes the signing key; after a rotation the previous one keeps its tokens alive."""

from __future__ import annotations

import base64
import time

import jwt

from latchkey.tokens import TokenSigner, generate_signing_key


def seed_of(env: dict[str, str]) -> bytes:
    return base64.urlsafe_b64decode(env["GATEWAY_SIGNING_KEY"] + "==")


async def identity_for(http, gateway: str, sesskey: str, uri: str = "/devices/whoami") -> str:
    """A real identity JWT, as a forward-auth proxy would receive it for `uri`."""
    headers = {"X-Original-URI": uri, "X-Original-Method": "GET", "Authorization": "Bearer " + sesskey}
    async with http.get(gateway + "/auth/verify", headers=headers) as response:
        assert response.status == 200, await response.text()
        return response.headers["X-Latchkey-Identity"]


async def device_api_status(http, stack, token: str) -> int:
    async with http.get(stack.device_api + "/devices/whoami", headers={"X-Latchkey-Identity": token}) as response:
        return response.status


async def restart_gateway(system, **env: str) -> None:
    runner = system.runners.pop(list(system.apps).index("gateway"))
    await runner.cleanup()
    del system.apps["gateway"]
    system.env.update(env)
    for name in [k for k, v in env.items() if v == ""]:
        del system.env[name]
    await system.start_service("gateway")


async def test_the_jwks_is_the_key_that_signs_identity_tokens(device_stack, http):
    stack = await device_stack(services=("gateway", "session", "org-provisioning"))
    async with http.get(stack.gateway + "/.well-known/jwks.json") as response:
        assert response.status == 200 and "max-age" in response.headers["Cache-Control"]
        (key,) = (await response.json())["keys"]
    assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig"}
    token = await identity_for(http, stack.gateway, stack.account.sesskey)
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], audience="device-api", issuer="latchkey:gateway")
    assert claims["sub"] == str(stack.account.userid)


async def test_a_rotated_key_keeps_its_tokens_valid_until_they_expire_then_not(device_stack, http):
    # key_lifetime=0: the device API reads the JWKS on every request, so each answer reflects what is published.
    stack = await device_stack(services=("gateway", "session", "org-provisioning"), key_lifetime=0)
    system, old_seed = stack.system, seed_of(stack.system.env)
    old_token = await identity_for(http, stack.gateway, stack.account.sesskey)
    old_public = system.env["INTERNAL_PUBLIC_KEYS"].split("gateway=")[1].split(",")[0]
    new_seed, new_public = generate_signing_key()
    await restart_gateway(system, GATEWAY_SIGNING_KEY=new_seed, GATEWAY_PREVIOUS_PUBLIC_KEYS=old_public)

    new_token = await identity_for(http, stack.gateway, stack.account.sesskey)
    assert jwt.get_unverified_header(new_token)["kid"] != jwt.get_unverified_header(old_token)["kid"]
    assert await device_api_status(http, stack, new_token) == 200
    assert await device_api_status(http, stack, old_token) == 200  # signed before the switch, still alive
    # The same old key's token at the end of its minute, and just past it.
    claims = jwt.decode(old_token, options={"verify_signature": False})
    claims = {k: v for k, v in claims.items() if k not in ("iss", "aud", "iat", "exp")}
    old_signer = lambda age: TokenSigner("gateway", old_seed, clock=lambda: time.time() - age)  # noqa: E731
    assert await device_api_status(http, stack, old_signer(55).sign_to("device-api", claims, 60)) == 200
    assert await device_api_status(http, stack, old_signer(65).sign_to("device-api", claims, 60)) == 401

    # Rotation over: the previous key is no longer published, so nothing it signed passes.
    await restart_gateway(system, GATEWAY_PREVIOUS_PUBLIC_KEYS="")
    assert await device_api_status(http, stack, old_signer(5).sign_to("device-api", claims, 60)) == 401
    assert await device_api_status(http, stack, await identity_for(http, stack.gateway, stack.account.sesskey)) == 200
