"""A routes file is checked whole at start; a mistake is one line naming the file, the entry and the field."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gateway.policy import Access, policy_table
from gateway.routes_file import RoutesFileError, load_routes_file, parse_routes

UPSTREAM = '[upstreams.devices]\nurls = ["http://127.0.0.1:9000"]\n'


def route(**fields) -> str:
    body = {"methods": '["GET"]', "path": '"/devices"', "upstream": '"devices"', "access": '"user"'}
    body.update(fields)
    return "[[routes]]\n" + "".join(f"{k} = {v}\n" for k, v in body.items() if v is not None)


def load(tmp_path, text: str):
    path = tmp_path / "routes.toml"
    path.write_text(text)
    return load_routes_file(path)


def test_a_good_file_becomes_one_policy_per_method_in_the_one_table(tmp_path):
    routes = load(tmp_path, UPSTREAM + route(methods='["GET", "POST"]', roles='["ADMIN"]', permission='"oauth"'))
    assert [(p.method, p.path, p.service, p.access) for p in routes.policies] == [
        ("GET", "/devices", "devices", Access.USER),
        ("POST", "/devices", "devices", Access.USER),
    ]
    assert routes.policies[0].roles == {"ADMIN"} and routes.policies[0].audience == "devices"
    table = policy_table(routes.policies)
    assert table[-2:] == routes.policies and len(table) == len({(p.method, p.path, p.prefix) for p in table})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (UPSTREAM + route(access='"users"'), "routes[0].access: must be one of public, user, no_api_key, org_key, got 'users'"),
        (UPSTREAM + route(upstream='"billing"'), "routes[0].upstream: 'billing' is not declared under [upstreams]"),
        (UPSTREAM + route(methods='["get"]'), "routes[0].methods: 'get' is not an HTTP method in capitals"),
        (UPSTREAM + route(path=None), "routes[0].path: give exactly one of path (exact) or prefix"),
        (UPSTREAM + route(path='"devices"'), "routes[0].path: 'devices' must be an absolute path"),
        (UPSTREAM + route(path='"/a/../b"'), "routes[0].path: '/a/../b' must be an absolute path"),
        (UPSTREAM + route(strip_prefix="true"), "routes[0].strip_prefix: only a prefix route can strip its prefix"),
        (UPSTREAM + route(colour='"red"'), "routes[0].colour: unknown field"),
        (UPSTREAM + route(cors_origins='["https://*.example.com"]'), "routes[0].cors_origins: 'https://*.example.com': wildcards"),
        (UPSTREAM + route(cors_origins='"https://app.example.com"'), "routes[0].cors_origins: must be a list of origins"),
        (UPSTREAM + route(access='"org_key"', cors_origins="[]"), "routes[0].cors_origins: an org_key route is server to server"),
        (UPSTREAM + route(access='"public"', permission='"oauth"'), "routes[0].permission: only a user or no_api_key route"),
        (UPSTREAM + route() + route(methods='["*"]'), "routes[1].methods: * /devices is routed twice"),
        ('[upstreams.devices]\nurls = ["https://x"]\n' + route(), "upstreams.devices.urls: 'https://x': the gateway reaches"),
        ('[upstreams.session]\nurls = ["http://x"]\n', "upstreams.session: 'session' is the name of a Latchkey service"),
        ("[upstreams.devices]\nread_timeout = -1\n", "upstreams.devices.read_timeout: must be a number of seconds"),
        ("[upstream.devices]\n", "upstream: unknown section"),
        ("routes = [", "not valid TOML"),
        # Overlaps with Latchkey's own routes: exact, by parameter, by prefix, and the gateway's own paths.
        (UPSTREAM + route(path='"/api/1/users/me"'), "routes[0].path: GET /api/1/users/me overlaps Latchkey's own GET /api/1/users/me"),
        (UPSTREAM + route(path='"/api/v1/sso/devices"'), "overlaps Latchkey's own GET /api/v1/sso/{issuer}"),
        (UPSTREAM + route(path=None, prefix='"/api/1"'), "routes[0].prefix: GET /api/1 overlaps Latchkey's own GET /api/1/auth/session"),
        (UPSTREAM + route(path=None, prefix='"/"'), "routes[0].prefix: GET / overlaps Latchkey's own"),
        (UPSTREAM + route(path='"/.well-known/jwks.json"'), "overlaps Latchkey's own * /.well-known"),
        (UPSTREAM + route(path='"/login"'), "overlaps Latchkey's own * /login"),
    ],
)
def test_each_mistake_is_named_with_its_entry_and_field(tmp_path, text, message):
    with pytest.raises(RoutesFileError) as raised:
        load(tmp_path, text)
    line = str(raised.value)
    assert line.startswith(str(tmp_path / "routes.toml") + ": ") and message in line and "\n" not in line


def test_routes_beside_built_in_ones_are_accepted():
    parse_routes({
        "upstreams": {"legacy": {"urls": ["http://127.0.0.1:9"]}},
        "routes": [
            {"methods": ["POST"], "path": "/api/1/sim/activate", "upstream": "legacy", "access": "no_api_key"},
            {"methods": ["PUT"], "path": "/api/1/users/me", "upstream": "legacy", "access": "user"},
            {"methods": ["*"], "prefix": "/api/2", "upstream": "legacy", "access": "user"},
        ],
    })


def test_the_gateway_stops_with_that_one_line(base_env, tmp_path):
    path = tmp_path / "routes.toml"
    path.write_text(UPSTREAM + route() + route(path='"/devices/{id}"', access='"admin"'))
    result = subprocess.run(
        [sys.executable, "-m", "gateway"], env={**os.environ, **base_env, "GATEWAY_ROUTES_FILE": str(path)},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"gateway: configuration error: GATEWAY_ROUTES_FILE: {path}: routes[1].access: "
        "must be one of public, user, no_api_key, org_key, got 'admin'"
    ]


def test_every_path_the_gateway_serves_itself_is_reserved(base_env):
    """A page or endpoint added to the gateway without a RESERVED entry could be shadowed by an operator route."""
    import re

    from gateway.app import init_app
    from gateway.policy import ANY_METHOD, POLICIES, RoutePolicy, builtin_overlap
    from gateway.settings import Settings

    app = init_app(Settings.from_env(base_env))
    policy_paths = {p.path for p in POLICIES} | {p.path + "/" for p in POLICIES}
    own = {resource.canonical for resource in app.router.resources()} - policy_paths - {"/api/{tail}"}
    assert "/login" in own and "/.well-known/jwks.json" in own
    for path in own:
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        assert builtin_overlap(RoutePolicy(ANY_METHOD, concrete, "probe", Access.USER)) is not None, path
