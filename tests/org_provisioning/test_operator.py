"""The operator functions behind `latchkey org create|show|rotate-key|settings`."""

import pytest

from latchkey.errors import Conflict, NotFound, ValidationFailed
from org_provisioning import operator


async def test_create_organization_returns_its_key_and_stores_only_hash_and_sealed_copy(make_org, db):
    org = await make_org("my-community", "My Community", "https://partner.example/login")
    assert set(org) == {"id", "orgId", "name", "authRedirectUrl", "apiKey"}
    assert org["orgId"] == "my-community" and org["name"] == "My Community"
    assert len(org["apiKey"]) == 30 and org["apiKey"].isalnum()
    row = await db.fetchrow("SELECT * FROM org.organizations WHERE id = $1", org["id"])
    assert org["apiKey"] not in " ".join(str(value) for value in row.values())


async def test_get_organization_shows_the_same_key_again(make_org, org_settings):
    org = await make_org("acme")
    assert await operator.get_organization(org_settings, "acme") == org
    assert await operator.get_organization(org_settings, "nobody") is None


async def test_rotate_api_key_issues_a_new_key(make_org, org_settings):
    org = await make_org("acme")
    rotated = await operator.rotate_api_key(org_settings, "acme")
    assert rotated["apiKey"] != org["apiKey"] and rotated["id"] == org["id"]
    assert (await operator.get_organization(org_settings, "acme"))["apiKey"] == rotated["apiKey"]


@pytest.mark.parametrize("slug", ["a", "-acme", "acme-", "Acme", "ac_me", "a" * 64, "ac me"])
async def test_bad_slugs_are_refused(make_org, slug):
    with pytest.raises(ValidationFailed) as error:
        await make_org(slug, "Name")
    assert "orgId" in error.value.fields


async def test_duplicate_slug_is_a_conflict(make_org):
    await make_org("acme")
    with pytest.raises(Conflict):
        await make_org("acme")


async def test_create_refuses_an_insecure_auth_redirect_url(make_org):
    with pytest.raises(ValidationFailed) as error:
        await make_org("acme", "Acme", "http://evil.example/")
    assert set(error.value.fields) == {"authRedirectUrl"}


async def test_settings_shows_and_changes_whether_users_may_delete_themselves(make_org, org_settings, db):
    org = await make_org("acme")
    shown = await operator.update_settings(org_settings, "acme", {})
    assert shown["usersMayDeleteThemselves"] is False
    changed = await operator.update_settings(org_settings, "acme", {"usersMayDeleteThemselves": True})
    assert changed["usersMayDeleteThemselves"] is True
    assert (await operator.update_settings(org_settings, "acme", {}))["usersMayDeleteThemselves"] is True
    row = await db.fetchrow(
        "SELECT actor, detail FROM org.security_events WHERE org_id = $1 AND event = 'settings.changed'", org["id"]
    )
    assert row["actor"] == "operator" and "usersMayDeleteThemselves" in row["detail"]


async def test_settings_of_an_unknown_organization_or_a_bad_value_are_refused(make_org, org_settings):
    await make_org("acme")
    with pytest.raises(NotFound):
        await operator.update_settings(org_settings, "nobody", {"usersMayDeleteThemselves": True})
    with pytest.raises(ValidationFailed) as error:
        await operator.update_settings(org_settings, "acme", {"usersMayDeleteThemselves": "yes"})
    assert set(error.value.fields) == {"usersMayDeleteThemselves"}
