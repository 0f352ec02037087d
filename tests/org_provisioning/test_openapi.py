"""The OpenAPI document describes exactly the public routes this service serves."""

from tests.org_provisioning.conftest import org_url

NOT_PUBLIC = ("/internal/", "/healthz", "/readyz", "/metrics", "/openapi.json")


async def test_openapi_document_lists_every_public_route_and_nothing_else(system, http):
    async with http.get(org_url(system, "/openapi.json")) as response:
        assert response.status == 200
        document = await response.json()
    assert document["openapi"].startswith("3.1")
    served = {
        (route.resource.canonical, route.method.lower())
        for route in system.apps["org-provisioning"].router.routes()
        if route.method != "HEAD" and not route.resource.canonical.startswith(NOT_PUBLIC)
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item if method != "parameters"}
    assert described == served


async def test_every_schema_reference_resolves(system, http):
    async with http.get(org_url(system, "/openapi.json")) as response:
        document = await response.json()
    schemas = document["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
