"""The account API's OpenAPI document describes exactly what the service serves."""

from __future__ import annotations

from session.routes import ROUTES
from tests.session.conftest import login


async def document_of(system, http):
    async with http.get(system.urls["session"] + "/openapi.json") as response:
        assert response.status == 200
        return await response.json()


async def test_openapi_describes_every_account_route_and_no_other(session_system, http):
    document = await document_of(session_system, http)
    assert document["openapi"].startswith("3.1")
    served = {(route.method.lower(), route.path) for route in ROUTES if route.path.startswith("/api/") and not route.path.endswith("/")}
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert described == served
    assert document["paths"]["/api/1/auth/session"]["post"]["security"] == []


async def test_login_answer_has_the_documented_fields_and_types(session_system, http, make_user):
    document = await document_of(session_system, http)
    schema = document["components"]["schemas"]["Login"]
    await make_user(session_system)
    data = (await login(http, session_system))["data"]
    assert set(data) == set(schema["required"]) == set(schema["properties"])
    types = {"integer": int, "string": str}
    for field, spec in schema["properties"].items():
        assert isinstance(data[field], types[spec["type"]]), field
