"""Pending OIDC flows: what we must remember between the redirect and the callback.

A flow is stored in Redis under a hash of its `state` (so a Redis dump yields
no usable state) for `OIDC_FLOW_TTL` seconds, and taken exactly once with
GETDEL: a replayed or forged callback finds nothing.

A flow is also bound to the browser that started it: a random `binding` goes
to that browser in a cookie and only its hash into the flow. A callback URL
carried to another browser (to link the victim's provider account to the
attacker's user, or to sign the victim in as the attacker) lacks the cookie
and is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as redis

from latchkey.security import constant_time_equals, lookup_hash, url_token
from latchkey.inputs import storable_text

FlowKind = Literal["link", "login"]


@dataclass(frozen=True, slots=True)
class PendingFlow:
    kind: FlowKind
    user_id: int | None  # the user linking; None for a sign-in
    issuer: str  # provider id
    nonce: str
    verifier: str  # PKCE code_verifier
    return_to: str  # a path on this site
    binding: str  # hash of the browser binding cookie

    def bound_to(self, binding: str | None) -> bool:
        # A cookie of non-UTF-8 bytes arrives with surrogates, which cannot be hashed: not this browser.
        binding = storable_text(binding)
        return binding is not None and constant_time_equals(lookup_hash(binding), self.binding)

    def to_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "userId": self.user_id, "issuer": self.issuer, "nonce": self.nonce,
             "verifier": self.verifier, "returnTo": self.return_to, "binding": self.binding},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: bytes) -> PendingFlow:
        data = json.loads(raw)
        return cls(
            data["kind"], data["userId"], data["issuer"], data["nonce"], data["verifier"], data["returnTo"], data["binding"]
        )


@dataclass(frozen=True, slots=True)
class FlowSecrets:
    state: str
    nonce: str
    verifier: str
    binding: str


def new_secrets() -> FlowSecrets:
    # 32 random bytes each; the verifier is 43 characters, inside RFC 7636's 43-128.
    return FlowSecrets(state=url_token(), nonce=url_token(), verifier=url_token(), binding=url_token())


def flow_key(state: str) -> str:
    return "oidc:flow:" + lookup_hash(state)


class FlowStore:
    def __init__(self, client: redis.Redis, ttl: int) -> None:
        self._redis = client
        self._ttl = ttl

    async def save(self, state: str, flow: PendingFlow) -> None:
        await self._redis.set(flow_key(state), flow.to_json(), ex=self._ttl, nx=True)

    async def take(self, state: str) -> PendingFlow | None:
        raw = await self._redis.getdel(flow_key(state))
        if raw is None:
            return None
        return PendingFlow.from_json(raw)
