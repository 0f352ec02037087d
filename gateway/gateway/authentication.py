"""Turning the credentials of a request into one principal.

Each credential costs at most one Redis round trip when it is known: a
session is read and slid by the session service's own `SessionStore.touch`
(one GETEX), a Basic credential by one MGET of its cache entry and the user's
credential version, an API key or org key by one GET. Only a cache miss asks
the owner over HTTP, and the answer is cached in Redis (never in this process),
so a revocation by the owner reaches every gateway instance at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from latchkey import credential_cache
from latchkey.errors import (
    AmbiguousCredentials,
    BadGateway,
    BadRequest,
    Forbidden,
    InvalidCredentials,
    LatchkeyError,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
)
from latchkey.internal_client import ServiceClient
from latchkey.redis_client import UNAVAILABLE as REDIS_UNAVAILABLE
from latchkey.redis_client import RedisClient
from latchkey.security import short_fingerprint
from latchkey.security_events import Client
from latchkey.session_client import DirectoryUser, SessionClient
from latchkey.tokens import Principal
from session.sessions import SessionStore

from . import cache_fills
from .credentials import Credential, Kind
from .inflight import InFlight

log = logging.getLogger("gateway.authentication")
NO_CLIENT = Client()

# Answers of an owner that mean "this credential is wrong", as opposed to "try later".
_REFUSALS = (BadRequest, Unauthenticated, Forbidden, NotFound)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Authentication:
    principal: Principal
    cookie_only: bool  # only the ambient cookie vouched for this request: CSRF applies
    org_slug: str | None = None  # the `x-org-id` an org key was verified for


class Authenticator:
    def __init__(
        self,
        redis_client: RedisClient,
        sessions: SessionStore,
        session_client: SessionClient,
        org_client: ServiceClient,
        cache_hmac_key: bytes,
    ) -> None:
        self._redis = redis_client
        self._sessions = sessions
        self._session_client = session_client
        self._org_client = org_client
        self._hmac_key = cache_hmac_key
        self._in_flight: InFlight[Principal] = InFlight()

    async def authenticate(self, credentials: tuple[Credential, ...], client: Client = NO_CLIENT) -> Authentication | None:
        """The one principal all credentials name; any wrong credential is a 401, never a fallback.

        `client` is the caller's address and user agent: a Basic password check counts towards the
        address's lockout, and a refused one names both in the user's security log.
        """
        if not credentials:
            return None
        first: Principal | None = None
        org_slug = None
        seen = set()
        for credential in credentials:
            identity = (credential.kind, credential.secret, credential.name)
            if identity in seen:
                continue
            seen.add(identity)
            principal = await self._verified(credential, client)
            if first is None:
                first = principal
            elif principal.sub != first.sub:
                raise AmbiguousCredentials()
            if credential.kind is Kind.ORG_KEY:
                org_slug = credential.name
        assert first is not None
        return Authentication(first, all(c.is_cookie for c in credentials), org_slug)

    async def attempt(self, credentials: tuple[Credential, ...], client: Client = NO_CLIENT) -> Authentication | None:
        """For public routes: like `authenticate`, but a bad *cookie* alone means anonymous.

        A browser cannot drop an HttpOnly cookie that went stale, and the route needs
        nobody, so refusing would only lock the user out of the sign-in that replaces
        it. Credentials the client chose to send (header, query, body) stay strict.
        """
        try:
            return await self.authenticate(credentials, client)
        except LatchkeyError:
            explicit = tuple(c for c in credentials if not c.is_cookie)
            if not explicit:
                return None
            if len(explicit) == len(credentials):
                raise
        return await self.authenticate(explicit, client)

    async def _verified(self, credential: Credential, client: Client) -> Principal:
        try:
            return await self.principal_for(credential, client)
        except REDIS_UNAVAILABLE:
            raise ServiceUnavailable("The credential store is unavailable.") from None
        except LatchkeyError as error:
            if error.status == 401:
                log.info(
                    "credential rejected",
                    extra={"fields": {"auth": credential.kind.value, "source": credential.source,
                                      "credential": short_fingerprint(credential.secret), "code": error.code}},
                )
            raise

    async def principal_for(self, credential: Credential, client: Client = NO_CLIENT) -> Principal:
        if credential.kind is Kind.SESSION:
            return (await self._sessions.touch(credential.secret)).principal()
        if credential.kind is Kind.BASIC:
            return await self._basic(credential.name or "", credential.secret, client)
        if credential.kind is Kind.API_KEY:
            return await self._api_key(credential.secret)
        return await self._org_key(credential.name or "", credential.secret)

    async def _basic(self, email: str, password: str, client: Client) -> Principal:
        cached = await credential_cache.read_basic(self._redis, self._hmac_key, email, password)
        if cached is not None:
            return Principal.from_claims(cached)
        entry = credential_cache.basic_entry(self._hmac_key, email, password)
        return await self._in_flight.run(entry, lambda: self._verify_basic(entry, email, password, client))

    async def _verify_basic(self, entry: str, email: str, password: str, client: Client) -> Principal:
        verified = await _verdict(self._session_client.verify_password(email, password, client=client))
        principal = _user_principal(verified.user, "basic")
        await credential_cache.write(self._redis, entry, {**principal.claims(), "cv": verified.credential_version})
        return principal

    async def _api_key(self, api_key: str) -> Principal:
        entry = credential_cache.api_key_entry(api_key)
        cached = await credential_cache.read(self._redis, entry)
        if cached is not None:
            return Principal.from_claims(cached)
        return await self._in_flight.run(entry, lambda: self._verify_api_key(entry, api_key))

    async def _verify_api_key(self, entry: str, api_key: str) -> Principal:
        marker = await cache_fills.claim(self._redis, entry)
        try:
            principal = _user_principal(await _verdict(self._session_client.verify_api_key(api_key)), "api_key")
        except LatchkeyError:
            await self._redis.delete(entry)  # no claim left behind for a wrong key
            raise
        await cache_fills.fill_if_claimed(self._redis, entry, marker, principal.claims())
        return principal

    async def _org_key(self, org_slug: str, org_key: str) -> Principal:
        entry = credential_cache.org_key_entry(org_key)
        cached = await credential_cache.read(self._redis, entry)
        if cached is not None:
            # The key is unique, so the cache knows its organization; another slug is a wrong pair.
            if cached.get("orgId") != org_slug:
                raise InvalidCredentials()
            return Principal.from_claims(cached)
        return await self._in_flight.run(entry + "|" + org_slug, lambda: self._verify_org_key(entry, org_slug, org_key))

    async def _verify_org_key(self, entry: str, org_slug: str, org_key: str) -> Principal:
        marker = await cache_fills.claim(self._redis, entry)
        try:
            check = {"orgId": org_slug, "apiKey": org_key}
            _status, answer = await _verdict(self._org_client.call("POST", "/internal/org-keys/verify", json_body=check))
            org = answer.get("org") if isinstance(answer, dict) else None
            if not isinstance(org, dict) or not isinstance(org.get("id"), int) or not isinstance(org.get("orgId"), str):
                raise BadGateway()
        except LatchkeyError:
            await self._redis.delete(entry)
            raise
        principal = Principal(sub=f"org:{org['id']}", org=org["id"], role="ORG", amr=("org_key",))
        await cache_fills.fill_if_claimed(self._redis, entry, marker, {**principal.claims(), "orgId": org["orgId"]})
        return principal


async def _verdict(check: Awaitable[T]) -> T:
    """The owner's verdict on a credential: its answer, or InvalidCredentials when it refuses."""
    try:
        return await check
    except _REFUSALS:
        raise InvalidCredentials() from None
    except ValueError:  # not JSON
        raise BadGateway() from None


def _user_principal(user: DirectoryUser, method: str) -> Principal:
    if user.disabled:
        raise InvalidCredentials()
    return Principal(sub=str(user.userid), org=user.partnerid, role=user.role, amr=(method,))
