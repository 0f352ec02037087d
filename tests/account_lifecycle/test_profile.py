"""PATCH /api/1/users/me: a user changes their own name and picture, validated like provisioning."""

from __future__ import annotations

import pytest

from .conftest import account_error, bearer

ME = "/api/1/users/me"


async def test_a_user_changes_their_name_and_picture_and_sees_them(lifecycle_system, make_person, http):
    _userid, sesskey = await make_person(lifecycle_system)
    url = lifecycle_system.gateway + ME
    change = {"name": "Ada Lovelace", "picture": "https://img.example/ada.png"}
    async with http.patch(url, json=change, headers=bearer(sesskey)) as response:
        assert response.status == 200
        assert {k: (await response.json())["data"][k] for k in change} == change
    async with http.get(url, headers=bearer(sesskey)) as response:
        data = (await response.json())["data"]
        assert (data["name"], data["picture"]) == ("Ada Lovelace", "https://img.example/ada.png")
    async with http.patch(url + "/", json={"picture": None}, headers=bearer(sesskey)) as response:
        assert response.status == 200 and (await response.json())["data"]["picture"] is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "x" * 201}, {"name"}),
        ({"name": 7}, {"name"}),
        ({"picture": "javascript:alert(1)"}, {"picture"}),
        ({"picture": "https://user:pw@img.example/a.png"}, {"picture"}),
        ({"picture": "https://img.example/a b.png"}, {"picture"}),
        ({"name": "", "picture": "ftp://x"}, {"name", "picture"}),
        ({"email": "new@example.com"}, {"email"}),
        ({"role": "ADMIN"}, {"role"}),
        ({}, {"body"}),
    ],
)
async def test_bad_profile_fields_are_named_like_provisioning_names_them(lifecycle_system, make_person, http, body, fields):
    _userid, sesskey = await make_person(lifecycle_system)
    async with http.patch(lifecycle_system.gateway + ME, json=body, headers=bearer(sesskey)) as response:
        status, code, named = await account_error(response)
    assert (status, code, set(named)) == (400, "validation_failed", fields)


async def test_the_account_api_and_provisioning_refuse_the_same_values_in_the_same_words(lifecycle_system, make_person, http):
    """One validator: what a user cannot set on themselves, a partner cannot set on them either."""
    from org_provisioning import operator as org_operator
    from org_provisioning.settings import Settings as OrgSettings

    _userid, sesskey = await make_person(lifecycle_system)
    org = await org_operator.create_organization(OrgSettings.from_env(lifecycle_system.env), slug="acme", name="Acme", auth_redirect_url=None)
    bad = {"name": " ", "picture": "https://user:pw@img.example/a.png"}
    async with http.patch(lifecycle_system.gateway + ME, json=bad, headers=bearer(sesskey)) as response:
        _status, _code, from_account_api = await account_error(response)
    url = lifecycle_system.gateway + "/api/organization/acme/user/alice/update"
    http.cookie_jar.clear()  # the partner's server holds no user's cookie
    async with http.post(url, json={**bad, "email": "alice@example.com"}, headers={"x-org-id": "acme", "x-api-key": org["apiKey"]}) as response:
        assert response.status == 400
        from_provisioning = (await response.json())["fields"]
    assert from_account_api == from_provisioning and set(from_account_api) == {"name", "picture"}


async def test_api_keys_and_other_credentials_cannot_change_the_profile(lifecycle_system, make_person, http):
    _userid, sesskey = await make_person(lifecycle_system)
    async with http.get(lifecycle_system.gateway + ME + "/apikey", headers=bearer(sesskey)) as response:
        apikey = (await response.json())["data"]["apikey"]
    async with http.patch(lifecycle_system.gateway + ME, json={"name": "Mallory"}, headers={"X-API-Key": apikey}) as response:
        assert (await account_error(response))[:2] == (403, "forbidden_auth_method")
    # The cookie alone (the client kept it from the sign-in) needs our own origin, as every state change does.
    async with http.patch(lifecycle_system.gateway + ME, json={"name": "Mallory"}) as response:
        assert (await account_error(response))[:2] == (403, "csrf_rejected")
    async with http.patch(lifecycle_system.gateway + ME, json={"name": "Ada L."}, headers={"Origin": lifecycle_system.gateway}) as response:
        assert response.status == 200
