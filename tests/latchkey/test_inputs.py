"""The one input module: ids, return_to and storable text, read the same way by every service."""

from __future__ import annotations

import pytest

from latchkey.inputs import MAX_ID, UnsafeReturnTo, ascii_id, is_safe_return_path, safe_return_path, storable_text
from latchkey.tokens import Principal


@pytest.mark.parametrize("raw", ["", "²", "٣", "1²", "-1", "+1", " 1", "1.0", "9" * 11, str(MAX_ID + 1), "9" * 5000])
def test_only_short_ascii_digits_are_ids(raw):
    assert ascii_id(raw) is None


def test_ids_up_to_the_postgresql_integer_are_read():
    assert ascii_id("0") == 0 and ascii_id("0042") == 42 and ascii_id(str(MAX_ID)) == MAX_ID


def test_a_principal_with_a_superscript_subject_is_no_user_rather_than_a_crash():
    # "²".isdigit() is True and int("²") raises: the subject must not turn into a 500.
    assert Principal(sub="²").user_id is None
    assert Principal(sub="17").user_id == 17


@pytest.mark.parametrize(
    "attack",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",  # one decoding away from //evil.example
        "/%252F%252Fevil.example",  # two
        "/%25252525252F",  # still changing after three rounds
        "/" + "a" * 2048,
        7,
    ],
)
def test_return_to_that_could_leave_the_site_is_refused(attack):
    with pytest.raises(UnsafeReturnTo) as refused:
        safe_return_path(attack, default="/account", field="returnTo")
    assert refused.value.fields == {"returnTo": "must be a path on this site"}
    assert not is_safe_return_path(str(attack))


def test_return_to_keeps_path_and_query_and_defaults_when_absent():
    assert safe_return_path("/organization/acme/settings?tab=ux", default="/account") == "/organization/acme/settings?tab=ux"
    assert safe_return_path(None, default="/account") == "/account"
    assert safe_return_path("", default="/x") == "/x"


def test_storable_text_is_a_string_without_nul_or_lone_surrogate():
    assert storable_text("ada") == "ada"
    assert storable_text("a\x00b") is None and storable_text("\ud800") is None and storable_text(3) is None
