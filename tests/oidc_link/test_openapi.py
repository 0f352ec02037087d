"""The OpenAPI document describes exactly the public routes the service serves."""

from __future__ import annotations

from gateway.policy import POLICIES, Access
from oidc_link.routes import ROUTES


async def test_openapi_document_matches_the_route_table(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/openapi.json") as response:
        assert response.status == 200
        document = await response.json()
    assert document["openapi"].startswith("3.1")
    served = {(route.method.lower(), route.path) for route in ROUTES if route.path.startswith("/api/")}
    described = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert described == served


async def test_public_routes_are_documented_without_security(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/openapi.json") as response:
        document = await response.json()
    for policy in POLICIES:
        if policy.service != "oidc-link":
            continue
        operation = document["paths"][policy.path][policy.method.lower()]
        assert (operation["security"] == []) == (policy.access is Access.PUBLIC), (policy.method, policy.path)


async def test_sso_provider_answers_have_the_documented_shape(sso, http):
    async with http.get(sso.urls["oidc-link"] + "/openapi.json") as response:
        schema = (await response.json())["components"]["schemas"]["SSOProvider"]
    async with http.get(sso.urls["oidc-link"] + "/api/v1/sso/providers") as response:
        for provider in await response.json():
            assert set(provider) == set(schema["required"]) == set(schema["properties"])
