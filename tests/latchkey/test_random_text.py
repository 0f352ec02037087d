"""Session keys, API keys and recovery codes: their shape, and draws that favour no character."""

from __future__ import annotations

from collections import Counter

from latchkey.security import api_key, random_text, recovery_code, session_key


def test_the_keys_keep_their_documented_shapes():
    assert len(session_key()) == 26 and set(session_key()) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert len(api_key()) == 30 and api_key().isalnum() and api_key().isascii()
    code = recovery_code()
    assert len(code) == 19 and [len(group) for group in code.split("-")] == [4, 4, 4, 4]
    assert len({session_key() for _ in range(1000)}) == 1000


def test_every_character_is_about_as_likely_even_when_the_alphabet_does_not_divide_256():
    # 62 does not divide 256: a plain `byte % 62` would draw the first 8 characters 5/4 as often as the rest.
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    counts = Counter(random_text(alphabet, 62_000))
    assert set(counts) == set(alphabet)
    expected = 1000
    assert all(abs(count - expected) < 160 for count in counts.values()), counts  # > 5 sigma either way
    first_eight = sum(counts[c] for c in alphabet[:8]) / 8
    assert first_eight < 1.1 * expected
