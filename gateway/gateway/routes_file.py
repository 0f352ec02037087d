"""The operator's routes file (`GATEWAY_ROUTES_FILE`, TOML): their upstreams and routes.

    [upstreams.device-api]
    urls = ["http://10.0.0.5:9000", "http://10.0.0.6:9000"]
    identity_headers = true          # also plain X-Latchkey-User/-Org/-Role/-Auth

    [[routes]]
    methods = ["GET"]
    path = "/devices/{deviceId}"     # or: prefix = "/devices"
    upstream = "device-api"
    access = "user"                  # public | user | no_api_key | org_key
    cors_origins = ["https://app.example.com"]   # optional: instead of CORS_ALLOWED_ORIGINS ([] for none)

Each route becomes one `RoutePolicy` per method, in the gateway's one policy
table. Everything is checked here, at start: a mistake stops the gateway with
one line naming the file, the entry and the field
(`routes.toml: routes[2].access: must be one of ...`). A route field is one
row of `ROUTE_FIELDS` (a parser of its TOML value), so a new optional field is
one more row and one more `RoutePolicy` attribute.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from latchkey.errors import Envelope

from .cors import canonical_origins
from .policy import ANY_METHOD, SERVICES, Access, RoutePolicy, builtin_overlap

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_METHOD = re.compile(r"[A-Z]{1,16}")
# Literal segments of unreserved characters, or `{name}` parameters; no dot segments.
_PATH = re.compile(r"(/([A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))+|/")
_PERMISSION = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RoutesFileError(Exception):
    """One line: the file, the entry and the field, and what is wrong with it."""


class _Bad(Exception):
    pass


@dataclass(frozen=True, slots=True)
class UpstreamSpec:
    name: str
    urls: tuple[str, ...] = ()  # none: reached by another proxy (forward auth), never by the gateway
    connect_timeout: float | None = None  # None: GATEWAY_CONNECT_TIMEOUT
    read_timeout: float | None = None  # None: GATEWAY_READ_TIMEOUT
    identity_headers: bool = False


@dataclass(frozen=True, slots=True)
class OperatorRoutes:
    upstreams: tuple[UpstreamSpec, ...] = ()
    policies: tuple[RoutePolicy, ...] = ()


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad("must be a non-empty string")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, got {value!r}")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.01 <= value <= 3600:
        raise _Bad(f"must be a number of seconds between 0.01 and 3600, got {value!r}")
    return float(value)


def _choice(enum: type[Access] | type[Envelope]) -> Callable[[Any], Any]:
    names = [member.value for member in enum]

    def parse(value: Any) -> Any:
        if value not in names:
            raise _Bad(f"must be one of {', '.join(names)}, got {value!r}")
        return enum(value)

    return parse


def _methods(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _Bad('must be a non-empty list such as ["GET", "POST"] (or ["*"] for any)')
    methods = []
    for item in value:
        if not isinstance(item, str) or not (item == ANY_METHOD or _METHOD.fullmatch(item)):
            raise _Bad(f"{item!r} is not an HTTP method in capitals")
        methods.append(item)
    if ANY_METHOD in methods and len(methods) > 1:
        raise _Bad('"*" already means every method')
    if len(set(methods)) != len(methods):
        raise _Bad("lists a method twice")
    return tuple(methods)


def _route_path(value: Any) -> str:
    path = _string(value)
    if not _PATH.fullmatch(path) or "/./" in path + "/" or "/../" in path + "/":
        raise _Bad(f"{path!r} must be an absolute path of plain segments or {{name}} parameters")
    if len(path) > 1 and path.endswith("/"):
        raise _Bad(f"{path!r}: write it without the trailing slash")
    return path


def _roles(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(role, str) and role for role in value):
        raise _Bad('must be a non-empty list of role names such as ["ADMIN"]')
    return frozenset(value)


def _permission(value: Any) -> str:
    permission = _string(value)
    if not _PERMISSION.fullmatch(permission):
        raise _Bad(f"{permission!r} is not a permission name")
    return permission


def _origins(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Bad("must be a list of origins such as [\"https://app.example.com\"]")
    try:
        return frozenset(canonical_origins(value))
    except ValueError as problem:
        raise _Bad(str(problem)) from None


def _urls(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        raise _Bad('must be a list of base URLs such as ["http://10.0.0.5:9000"]')
    urls = []
    for url in value:
        parts = urlsplit(url)
        # The forwarding client speaks plain HTTP/1.1 to the private network, as to the built-in services.
        if parts.scheme != "http" or not parts.hostname or parts.query or parts.fragment:
            raise _Bad(f"{url!r}: the gateway reaches upstreams at http://host:port[/base-path]")
        urls.append(url.rstrip("/"))
    return tuple(urls)


# Field of a [[routes]] entry → (required, parser). The parsed values become RoutePolicy attributes
# of the same name, but for `methods` (one policy per method) and `upstream` (the policy's service).
ROUTE_FIELDS: dict[str, tuple[bool, Callable[[Any], Any]]] = {
    "methods": (True, _methods),
    "path": (False, _route_path),
    "prefix": (False, _route_path),
    "upstream": (True, _string),
    "access": (True, _choice(Access)),
    "permission": (False, _permission),
    "roles": (False, _roles),
    "strip_prefix": (False, _boolean),
    "envelope": (False, _choice(Envelope)),
    "trailing_slash": (False, _boolean),
    "cors_origins": (False, _origins),
}
UPSTREAM_FIELDS: dict[str, tuple[bool, Callable[[Any], Any]]] = {
    "urls": (False, _urls),
    "connect_timeout": (False, _seconds),
    "read_timeout": (False, _seconds),
    "identity_headers": (False, _boolean),
}


def _fields(entry: Any, where: str, spec: dict[str, tuple[bool, Callable[[Any], Any]]]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise RoutesFileError(f"{where}: must be a table")
    for name in entry:
        if name not in spec:
            raise RoutesFileError(f"{where}.{name}: unknown field (known: {', '.join(spec)})")
    parsed = {}
    for name, (required, parse) in spec.items():
        if name not in entry:
            if required:
                raise RoutesFileError(f"{where}.{name}: is required")
            continue
        try:
            parsed[name] = parse(entry[name])
        except _Bad as problem:
            raise RoutesFileError(f"{where}.{name}: {problem}") from None
    return parsed


def _upstream(name: str, entry: Any) -> UpstreamSpec:
    where = f"upstreams.{name}"
    if not _NAME.fullmatch(name):
        raise RoutesFileError(f"{where}: an upstream name is lowercase letters, digits, '.', '_' or '-'")
    if name in SERVICES or name == "gateway":
        raise RoutesFileError(f"{where}: {name!r} is the name of a Latchkey service; choose another")
    return UpstreamSpec(name, **_fields(entry, where, UPSTREAM_FIELDS))


def _route_policies(index: int, entry: Any, upstreams: dict[str, UpstreamSpec]) -> list[RoutePolicy]:
    where = f"routes[{index}]"
    fields = _fields(entry, where, ROUTE_FIELDS)
    if ("path" in fields) == ("prefix" in fields):
        raise RoutesFileError(f"{where}.path: give exactly one of path (exact) or prefix")
    upstream = upstreams.get(fields["upstream"])
    if upstream is None:
        raise RoutesFileError(f"{where}.upstream: {fields['upstream']!r} is not declared under [upstreams]")
    if fields.get("strip_prefix") and "prefix" not in fields:
        raise RoutesFileError(f"{where}.strip_prefix: only a prefix route can strip its prefix")
    if fields.get("trailing_slash") and "prefix" in fields:
        raise RoutesFileError(f"{where}.trailing_slash: a prefix route already takes every path under it")
    if "permission" in fields or "roles" in fields:
        if fields["access"] in (Access.PUBLIC, Access.ORG_KEY):
            name = "permission" if "permission" in fields else "roles"
            raise RoutesFileError(f"{where}.{name}: only a user or no_api_key route can require it")
    if "cors_origins" in fields and fields["access"] is Access.ORG_KEY:
        raise RoutesFileError(f"{where}.cors_origins: an org_key route is server to server; browsers never call it")
    template = RoutePolicy(
        method=ANY_METHOD,
        path=fields.get("path") or fields["prefix"],
        service=upstream.name,
        access=fields["access"],
        permission=fields.get("permission"),
        roles=fields.get("roles", frozenset()),
        prefix="prefix" in fields,
        strip_prefix=fields.get("strip_prefix", False),
        identity_headers=upstream.identity_headers,
        errors=fields.get("envelope"),
        trailing_slash=fields.get("trailing_slash"),
        cors_origins=fields.get("cors_origins"),
    )
    policies = [replace(template, method=method) for method in fields["methods"]]
    for policy in policies:
        clash = builtin_overlap(policy)
        if clash is not None:
            field = "prefix" if policy.prefix else "path"
            raise RoutesFileError(
                f"{where}.{field}: {policy.method} {policy.path} overlaps Latchkey's own {clash.method} {clash.path}"
            )
    return policies


def parse_routes(document: dict[str, Any]) -> OperatorRoutes:
    for name in document:
        if name not in ("upstreams", "routes"):
            raise RoutesFileError(f"{name}: unknown section (known: upstreams, routes)")
    declared = document.get("upstreams", {})
    if not isinstance(declared, dict):
        raise RoutesFileError("upstreams: must be a table of [upstreams.<name>] tables")
    upstreams = {name: _upstream(name, entry) for name, entry in declared.items()}
    entries = document.get("routes", [])
    if not isinstance(entries, list):
        raise RoutesFileError("routes: must be an array of [[routes]] tables")
    policies: list[RoutePolicy] = []
    for index, entry in enumerate(entries):
        for policy in _route_policies(index, entry, upstreams):
            if any(_same_route(earlier, policy) for earlier in policies):
                raise RoutesFileError(f"routes[{index}].methods: {policy.method} {policy.path} is routed twice")
            policies.append(policy)
    return OperatorRoutes(tuple(upstreams.values()), tuple(policies))


def _same_route(a: RoutePolicy, b: RoutePolicy) -> bool:
    return (a.path, a.prefix) == (b.path, b.prefix) and (a.method == b.method or ANY_METHOD in (a.method, b.method))


def load_routes_file(path: str | Path) -> OperatorRoutes:
    """The validated routes of the file; `RoutesFileError` names the file, the entry and the field."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RoutesFileError(f"{path}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RoutesFileError(f"{path}: not valid TOML ({error})") from None
    try:
        return parse_routes(document)
    except RoutesFileError as error:
        raise RoutesFileError(f"{path}: {error}") from None
