"""Bad input to the user routes is refused with every bad field named."""

import pytest

from org_provisioning import users

from tests.org_provisioning.conftest import as_principal, org_key_principal, org_url


@pytest.fixture
async def acme(system, make_org):
    org = await make_org("acme")
    return as_principal(system, org_key_principal(org["id"]))


async def update(http, system, headers, user_name, body):
    url = org_url(system, f"/api/organization/acme/user/{user_name}/update")
    async with http.post(url, json=body, headers=headers) as response:
        assert response.content_type == "application/problem+json"
        return response.status, await response.json(content_type=None)


async def test_every_bad_field_is_named(system, http, acme):
    body = {"name": "", "role": "BOSS", "picture": "ftp://example.com/a.png", "email": "not-an-email"}
    status, problem = await update(http, system, acme, "bad~name", body)
    assert status == 400 and problem["code"] == "validation_failed"
    assert set(problem["fields"]) == {"userName", "name", "role", "picture", "email"}


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", "x" * 201),
        ("name", 12),
        ("role", "user"),
        ("role", None),
        ("picture", "javascript:alert(1)"),
        ("picture", "https://"),
        ("picture", "//cdn.example/a.png"),
        ("email", "a@b"),
        ("email", "two@@example.com"),
        ("email", "x" * 250 + "@example.com"),
    ],
)
async def test_each_bad_value_is_refused(system, http, acme, field, value):
    status, problem = await update(http, system, acme, "alice", {field: value, "email": "alice@example.com", **{field: value}})
    assert status == 400
    assert field in problem["fields"]


@pytest.mark.parametrize("user_name", ["a" * 65, "al%20ice", "al ice", "%C3%BCser", "al%2Fice"])
async def test_bad_user_names_are_refused(system, http, acme, user_name):
    status, problem = await update(http, system, acme, user_name, {"email": "alice@example.com"})
    assert status == 400
    assert set(problem["fields"]) == {"userName"}


@pytest.mark.parametrize("user_name", [".", "..", "", "a/b"])
def test_dot_segments_are_never_user_names(user_name):
    # HTTP clients collapse them before sending; this keeps them out of the session service's paths too.
    assert users.user_name_problem(user_name) is not None


async def test_a_body_that_is_not_a_json_object_is_refused(system, http, acme):
    url = org_url(system, "/api/organization/acme/user/alice/update")
    for raw in ("{not json", "[1, 2]", '"text"'):
        async with http.post(url, data=raw, headers={**acme, "Content-Type": "application/json"}) as response:
            assert response.status == 400
            assert "body" in (await response.json(content_type=None))["fields"]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
async def test_list_limit_must_be_between_1_and_100(system, http, acme, limit):
    async with http.get(org_url(system, "/api/organization/acme/users"), params={"limit": limit}, headers=acme) as response:
        assert response.status == 400
        assert set((await response.json(content_type=None))["fields"]) == {"limit"}


async def test_a_body_that_is_not_utf8_is_refused(system, http, acme):
    url = org_url(system, "/api/organization/acme/user/alice/update")
    async with http.post(url, data=b'{"name": "\xff"}', headers={**acme, "Content-Type": "application/json"}) as response:
        assert response.status == 400
