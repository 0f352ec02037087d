"""The test OpenID Provider: Flask + authlib's AuthorizationServer.

One process serves several issuers ("tenants"), each at `<base>/<tenant>`
with its own client, RS256 signing key, authorization codes and knobs:

    GET  /<tenant>/.well-known/openid-configuration   discovery
    GET  /<tenant>/authorize                          auto-approves (no login page)
    POST /<tenant>/token                              code exchange (client_secret_basic/post, PKCE S256 required)
    GET  /<tenant>/jwks                               public keys
    GET  /<tenant>/userinfo                           the user's claims, for a bearer access token
    GET  /<tenant>/control                            counters: {"discovery": n, "jwks": n, "token": n}
    POST /<tenant>/control                            knobs, see below

Who signs in: `/authorize` approves as the user named by the query parameters
`login_as` (subject), `email` and `name` that the test appends to the authorization
URL; without them, as `{"sub": "test-user", "email": "test-user@example.com", "name": "Test User"}`.
Each tenant advertises RFC 9207 (`authorization_response_iss_parameter_supported`)
and puts `iss` in its redirect back, unless told otherwise.
`deny=1` answers `error=access_denied` instead, as when a user cancels.

Knobs (POST /<tenant>/control, JSON):
    {"reset": true}                        forget knobs and codes, zero the counters
    {"rotate_keys": true}                  new signing key with a new kid; JWKS lists only it
    {"redirect_uri": "..."}                register this redirect URI for the client (reset restores the original)
    {"rfc9207": false}                     neither advertise nor send `iss` in the authorization response
    {"userinfo": {...}}                    claims UserInfo answers instead of (over) the user's, e.g. another "sub"
    {"next_id_token": {...}}               applies to the NEXT ID token only:
        "unknown_key": true                sign with a key (and kid) that JWKS never lists
        "forged_signature": true           sign with another key but name the published kid
        "expired": true                    iat 15 min ago, exp 10 min ago
        "issued_in_future": true           iat 10 min ahead (a provider clock far off)
        "nonce": "..."                     this nonce instead of the one requested
        "issuer": "..."                    this iss instead of the tenant's issuer
        "audience": "..."                  this aud instead of the client id
        "omit_profile": true               no email and no name in the ID token (UserInfo still has them)
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, abort, g, jsonify, request
from joserfc.jwk import RSAKey

SCOPES = ("openid", "email", "profile")
DEFAULT_USER = {"sub": "test-user", "email": "test-user@example.com", "name": "Test User"}
CODE_LIFETIME = 60


def new_signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope_to_list(scope) or [] if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: dict[str, str]
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.issued_at)

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


class Tenant:
    """One issuer: its client, keys, codes, knobs and counters."""

    def __init__(self, name: str, issuer: str, client: Client) -> None:
        self.name = name
        self.issuer = issuer
        self.client = client
        self.registered_redirect_uri = client.redirect_uri
        self.lock = threading.Lock()
        self.key = new_signing_key()
        self.codes: dict[str, AuthorizationCode] = {}
        self.next_id_token: dict[str, Any] = {}
        self.counters = {"discovery": 0, "jwks": 0, "token": 0, "userinfo": 0}
        self.rfc9207 = True
        self.userinfo_claims: dict[str, Any] = {}
        self.access_tokens: dict[str, dict[str, str]] = {}
        self.server = AuthorizationServer(query_client=self.query_client, save_token=self.save_token)
        self.server.tenant = self  # type: ignore[attr-defined]

    def save_token(self, token: dict[str, Any], req) -> None:
        with self.lock:
            self.access_tokens[token["access_token"]] = dict(req.user)

    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def count(self, what: str) -> None:
        with self.lock:
            self.counters[what] += 1

    def control(self, knobs: dict[str, Any]) -> None:
        with self.lock:
            if knobs.get("reset"):
                self.codes.clear()
                self.next_id_token = {}
                self.counters = {name: 0 for name in self.counters}
                self.client.redirect_uri = self.registered_redirect_uri
                self.rfc9207, self.userinfo_claims = True, {}
            if "rfc9207" in knobs:
                self.rfc9207 = bool(knobs["rfc9207"])
            if "userinfo" in knobs:
                self.userinfo_claims = dict(knobs["userinfo"])
            if "redirect_uri" in knobs:
                self.client.redirect_uri = knobs["redirect_uri"]
            if knobs.get("rotate_keys"):
                self.key = new_signing_key()
            if "next_id_token" in knobs:
                self.next_id_token = dict(knobs["next_id_token"])

    def take_next_id_token_knobs(self) -> dict[str, Any]:
        with self.lock:
            knobs, self.next_id_token = self.next_id_token, {}
            return knobs

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "userinfo_endpoint": self.issuer + "/userinfo",
            **({"authorization_response_iss_parameter_supported": True} if self.rfc9207 else {}),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, req) -> None:
        tenant: Tenant = self.server.tenant
        data = req.payload.data
        item = AuthorizationCode(
            code=code,
            client_id=req.client.client_id,
            redirect_uri=req.payload.redirect_uri,
            scope=req.scope,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            user=req.user,
        )
        with tenant.lock:
            tenant.codes[code] = item

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        item = self.server.tenant.codes.get(code)
        if item and item.client_id == client.client_id and time.time() - item.issued_at < CODE_LIFETIME:
            return item
        return None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        with self.server.tenant.lock:
            self.server.tenant.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> dict[str, str]:
        return authorization_code.user


class S256Required(CodeChallenge):
    """Stricter than RFC 7636 demands of confidential clients: every request must use S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required")
        return super().validate_code_challenge(grant, redirect_uri)


class TenantOpenIDCode(OpenIDCode):
    """ID tokens signed with the tenant's key, bent by the one-shot knobs in `g.knobs`."""

    def __init__(self) -> None:
        super().__init__(require_nonce=True)

    def exists_nonce(self, nonce: str, req) -> bool:
        return any(code.nonce == nonce for code in self.tenant().codes.values())

    def tenant(self) -> Tenant:
        return g.tenant

    def signing_key(self) -> RSAKey:
        if "signing_key" not in g:
            forged = g.knobs.get("unknown_key") or g.knobs.get("forged_signature")
            g.signing_key = new_signing_key() if forged else self.tenant().key
        return g.signing_key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        kid = self.tenant().key.kid if g.knobs.get("forged_signature") else self.signing_key().kid
        return {"alg": "RS256", "kid": kid}

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.signing_key()

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        knobs, now = g.knobs, int(time.time())
        claims: dict[str, Any] = {
            "iss": knobs.get("issuer", self.tenant().issuer),
            "aud": knobs.get("audience", client.client_id),
            "iat": now,
            "exp": now + 300,
        }
        if knobs.get("expired"):
            claims.update(iat=now - 900, exp=now - 600, auth_time=now - 900)
        if knobs.get("issued_in_future"):
            claims.update(iat=now + 600, exp=now + 900)
        return claims

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict[str, Any]:
        claims = super().get_authorization_code_claims(authorization_code)
        if "nonce" in g.knobs:
            claims["nonce"] = g.knobs["nonce"]
        return claims

    def generate_user_info(self, user: dict[str, str], scope: str) -> UserInfo:
        info = UserInfo(sub=user["sub"])
        if g.knobs.get("omit_profile"):
            return info
        if "profile" in scope_to_list(scope):
            info["name"] = user["name"]
        if "email" in scope_to_list(scope):
            info["email"] = user["email"]
            info["email_verified"] = True
        return info


def create_app(base_url: str, tenants_config: dict[str, dict[str, str]]) -> Flask:
    """`tenants_config`: {name: {"client_id", "client_secret", "redirect_uri"}}."""
    app = Flask(__name__)
    tenants = {
        name: Tenant(name, f"{base_url}/{name}", Client(cfg["client_id"], cfg["client_secret"], cfg["redirect_uri"]))
        for name, cfg in tenants_config.items()
    }
    for tenant in tenants.values():
        tenant.server.init_app(app)
        tenant.server.register_grant(CodeGrant, [S256Required(required=True), TenantOpenIDCode()])

    def tenant_or_404(name: str) -> Tenant:
        if name not in tenants:
            abort(404)
        g.tenant = tenants[name]
        return tenants[name]

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/<name>/.well-known/openid-configuration")
    def discovery(name: str):
        tenant = tenant_or_404(name)
        tenant.count("discovery")
        return jsonify(tenant.discovery())

    @app.get("/<name>/jwks")
    def jwks(name: str):
        tenant = tenant_or_404(name)
        tenant.count("jwks")
        return jsonify({"keys": [tenant.key.as_dict(private=False)]})

    @app.get("/<name>/authorize")
    def authorize(name: str):
        tenant = tenant_or_404(name)
        user = {
            "sub": request.args.get("login_as", DEFAULT_USER["sub"]),
            "email": request.args.get("email", DEFAULT_USER["email"]),
            "name": request.args.get("name", DEFAULT_USER["name"]),
        }
        try:
            grant = tenant.server.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            return tenant.server.handle_error_response(None, error)
        granted = None if request.args.get("deny") else user
        response = tenant.server.create_authorization_response(grant_user=granted, grant=grant)
        if tenant.rfc9207 and "Location" in response.headers:  # RFC 9207 §2: on success and on error alike
            location = response.headers["Location"]
            response.headers["Location"] = location + ("&" if "?" in location else "?") + urlencode({"iss": tenant.issuer})
        return response

    @app.get("/<name>/userinfo")
    def userinfo(name: str):
        tenant = tenant_or_404(name)
        tenant.count("userinfo")
        scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
        user = tenant.access_tokens.get(access_token) if scheme.lower() == "bearer" else None
        if user is None:
            return jsonify(error="invalid_token"), 401
        return jsonify({**user, **tenant.userinfo_claims})

    @app.post("/<name>/token")
    def token(name: str):
        tenant = tenant_or_404(name)
        tenant.count("token")
        g.knobs = tenant.take_next_id_token_knobs()
        return tenant.server.create_token_response()

    @app.get("/<name>/control")
    def counters(name: str):
        return jsonify(tenant_or_404(name).counters)

    @app.post("/<name>/control")
    def control(name: str):
        tenant_or_404(name).control(request.get_json(force=True) or {})
        return jsonify(status="ok")

    return app
