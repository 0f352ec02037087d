"""The gateway's policy table and the services' route tables describe the same API.

Every public route the gateway forwards exists in its owner's table with the
same method and path, every route a service serves outside `/internal/` is
reachable through the gateway (or is one of the few the gateway itself fetches),
and every internal route names the services whose token it accepts.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from gateway.policy import OIDC_LINK, ORG_PROVISIONING, POLICIES, SESSION
from latchkey.routing import Route, add_routes
from oidc_link.routes import ROUTES as OIDC_LINK_ROUTES
from org_provisioning.routes import ROUTES as ORG_PROVISIONING_ROUTES
from session.routes import ROUTES as SESSION_ROUTES

TABLES: dict[str, list[Route]] = {SESSION: SESSION_ROUTES, ORG_PROVISIONING: ORG_PROVISIONING_ROUTES, OIDC_LINK: OIDC_LINK_ROUTES}
# Served to the gateway itself, not forwarded: it merges these into /api/openapi.json.
FETCHED_BY_THE_GATEWAY = {("GET", "/openapi.json")}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.method} {p.path}")
def test_every_gateway_route_exists_in_its_owners_table_with_the_same_method(policy):
    served = {(route.method, route.canonical_path) for route in TABLES[policy.service]}
    assert (policy.method, policy.path) in served


@pytest.mark.parametrize("service", TABLES)
def test_no_service_route_is_unreachable_by_mistake(service):
    forwarded = {(p.method, p.path) for p in POLICIES if p.service == service}
    for route in TABLES[service]:
        key = (route.method, route.canonical_path)
        if route.callers:
            assert route.path.startswith("/internal/"), key
            assert key not in forwarded, key
        else:
            assert key in forwarded or key in FETCHED_BY_THE_GATEWAY, f"{key} is served but the gateway never routes it"


def test_an_internal_route_without_callers_is_refused_at_start():
    async def handler(_request):
        return web.Response()

    with pytest.raises(ValueError):
        add_routes(web.Application(), [Route("POST", "/internal/anything", handler)])
    with pytest.raises(ValueError):
        add_routes(web.Application(), [Route("GET", "/api/1/x", handler, ("gateway",))])
