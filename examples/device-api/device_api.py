"""A small device and SIM API behind Latchkey: it trusts nothing but the identity JWT.

    .venv/bin/python examples/device-api/device_api.py --port 8090 \
        --jwks-url http://127.0.0.1:8080/.well-known/jwks.json

Every request that needs a user carries `X-Latchkey-Identity`, an EdDSA JWT the
gateway signed (or a forward-auth proxy copied from `/auth/verify`). It is checked
against the gateway's published keys (JWKS): signature, `iss` `latchkey:gateway`,
`aud` this upstream's name (`device-api`), `exp`. No password, session or API key
ever reaches this process; the gateway removed them. Devices live in memory,
a few per organization, created on first sight.

Routes (the gateway's routes file, `routes.toml` here, decides who may call them):

    GET    /plans                          public: the SIM plans on offer
    GET    /devices/whoami                 who the gateway says is calling (claims, plain headers)
    GET    /devices                        the caller's organization's devices
    GET    /devices/{deviceId}             one of them
    POST   /devices/{deviceId}/sim/activate   activate its SIM (not with an API key)
    DELETE /devices/{deviceId}             retire it (an ADMIN, signed in interactively)
    GET    /partners/{orgId}/devices       server to server, with the organization's key
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import jwt
from aiohttp import web

ISSUER = "latchkey:gateway"
IDENTITY_HEADER = "X-Latchkey-Identity"
PLAN_CATALOG = [
    {"id": "iot-1gb", "name": "IoT 1 GB", "monthlyPrice": "2.00 EUR"},
    {"id": "iot-10gb", "name": "IoT 10 GB", "monthlyPrice": "9.00 EUR"},
]


class IdentityVerifier:
    """Checks identity JWTs with the keys of the gateway's JWKS (pyjwt's PyJWKClient fetches it).

    Keys are kept `key_lifetime` seconds by `kid`: a token with a new `kid` (a rotation)
    fetches the set again at once, and a key the gateway stopped publishing is dropped
    when its time is up.
    """

    def __init__(self, jwks_url: str, audience: str, *, key_lifetime: float = 300.0) -> None:
        self.audience = audience
        self._client = jwt.PyJWKClient(jwks_url, cache_jwk_set=False, cache_keys=False)
        self._keys: dict[str, tuple[Any, float]] = {}
        self._key_lifetime = key_lifetime

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims; raises `jwt.PyJWTError` for any token that is not good."""
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise jwt.InvalidTokenError("the token names no key")
        cached = self._keys.get(kid)
        if cached is None or cached[1] < time.monotonic():
            try:  # PyJWKClient is synchronous (urllib): off the event loop
                signing_key = await asyncio.to_thread(self._client.get_signing_key, kid)
            except jwt.PyJWKClientError as error:
                self._keys.pop(kid, None)
                raise jwt.InvalidTokenError(str(error)) from None
            cached = (signing_key.key, time.monotonic() + self._key_lifetime)
            self._keys[kid] = cached
        return jwt.decode(
            token,
            cached[0],
            algorithms=["EdDSA"],
            audience=self.audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )


class Devices:
    """Each organization's devices, in memory, seeded with two the first time it is seen."""

    def __init__(self) -> None:
        self._by_org: dict[int, dict[str, dict[str, Any]]] = {}

    def of(self, org: int) -> dict[str, dict[str, Any]]:
        if org not in self._by_org:
            self._by_org[org] = {
                f"dev-{org}-{n}": {
                    "id": f"dev-{org}-{n}",
                    "name": name,
                    "imei": f"35{org:06d}{n:07d}",
                    "sim": {"iccid": f"8946{org:08d}{n:07d}", "status": "inactive", "plan": "iot-1gb"},
                }
                for n, name in ((1, "Cold store sensor"), (2, "Delivery van tracker"))
            }
        return self._by_org[org]


VERIFIER = web.AppKey("verifier", IdentityVerifier)
DEVICES = web.AppKey("devices", Devices)


def refuse(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def caller(request: web.Request) -> dict[str, Any] | web.Response:
    """The verified claims of the identity JWT, or the 401 to answer."""
    token = request.headers.get(IDENTITY_HEADER)
    if token is None:
        return refuse(401, "no_identity", "This API is reached through the Latchkey gateway only.")
    try:
        return await request.app[VERIFIER].claims(token)
    except jwt.PyJWTError:
        return refuse(401, "invalid_identity", "The identity token is not valid.")


async def plans(_request: web.Request) -> web.Response:
    return web.json_response({"plans": PLAN_CATALOG})


async def whoami(request: web.Request) -> web.Response:
    claims = await caller(request)
    if isinstance(claims, web.Response):
        return claims
    plain = {name: value for name, value in request.headers.items() if name.lower().startswith("x-latchkey-")}
    plain.pop(IDENTITY_HEADER, None)
    return web.json_response({"claims": claims, "plainHeaders": plain})


async def list_devices(request: web.Request) -> web.Response:
    claims = await caller(request)
    if isinstance(claims, web.Response):
        return claims
    if claims.get("org") is None:
        return refuse(403, "no_organization", "Devices belong to organizations; this user has none.")
    return web.json_response({"devices": list(request.app[DEVICES].of(claims["org"]).values())})


async def partner_devices(request: web.Request) -> web.Response:
    # The gateway checked that the org key belongs to {orgId}; the JWT names that organization.
    return await list_devices(request)


def _device(request: web.Request, claims: dict[str, Any]) -> dict[str, Any] | None:
    if claims.get("org") is None:
        return None
    return request.app[DEVICES].of(claims["org"]).get(request.match_info["deviceId"])


async def show_device(request: web.Request) -> web.Response:
    claims = await caller(request)
    if isinstance(claims, web.Response):
        return claims
    device = _device(request, claims)
    return web.json_response(device) if device else refuse(404, "no_such_device", "No such device in your organization.")


async def activate_sim(request: web.Request) -> web.Response:
    claims = await caller(request)
    if isinstance(claims, web.Response):
        return claims
    device = _device(request, claims)
    if device is None:
        return refuse(404, "no_such_device", "No such device in your organization.")
    device["sim"] = {**device["sim"], "status": "active", "activatedBy": claims["sub"]}
    return web.json_response(device)


async def retire_device(request: web.Request) -> web.Response:
    claims = await caller(request)
    if isinstance(claims, web.Response):
        return claims
    if claims.get("role") != "ADMIN":  # the routes file says so too; the service does not rely on it alone
        return refuse(403, "admin_only", "Only an organization admin retires devices.")
    device = _device(request, claims)
    if device is None:
        return refuse(404, "no_such_device", "No such device in your organization.")
    del request.app[DEVICES].of(claims["org"])[device["id"]]
    return web.Response(status=204)


def create_app(jwks_url: str, *, audience: str = "device-api", key_lifetime: float = 300.0) -> web.Application:
    app = web.Application()
    app[VERIFIER] = IdentityVerifier(jwks_url, audience, key_lifetime=key_lifetime)
    app[DEVICES] = Devices()
    app.router.add_get("/plans", plans)
    app.router.add_get("/devices", list_devices)
    app.router.add_get("/devices/whoami", whoami)
    app.router.add_get("/devices/{deviceId}", show_device)
    app.router.add_post("/devices/{deviceId}/sim/activate", activate_sim)
    app.router.add_delete("/devices/{deviceId}", retire_device)
    app.router.add_get("/partners/{orgId}/devices", partner_devices)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--jwks-url", default="http://127.0.0.1:8080/.well-known/jwks.json")
    parser.add_argument("--audience", default="device-api", help="this upstream's name in the routes file")
    args = parser.parse_args()
    web.run_app(create_app(args.jwks_url, audience=args.audience), host=args.host, port=args.port, access_log=None)


if __name__ == "__main__":
    main()
