"""Moved to `latchkey.inputs` (kept importable while branches in flight move over)."""

from .inputs import PROBLEM, is_storable, unstorable_fields

__all__ = ["PROBLEM", "is_storable", "unstorable_fields"]
