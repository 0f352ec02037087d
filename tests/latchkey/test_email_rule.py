"""The email rule the server applies is the one the OpenAPI schema publishes, character for character."""

from __future__ import annotations

import pytest

from latchkey.user_fields import email_problem


@pytest.mark.parametrize("email", ["a\x1cb@example.com", "a\x85b@example.com", "a\ufeffb@example.com", "ada@example.com\n"])
def test_characters_regex_dialects_disagree_on_are_refused(email):
    # Python's \s covers \x1c-\x1f and \x85 where a JSON Schema (ECMA) \s does not, and `$` passes a final newline.
    assert email_problem(email) == "must be a valid email address"


def test_an_ordinary_and_an_international_local_part_are_fine():
    assert email_problem("ada@example.com") is None and email_problem("zoë@example.com") is None
