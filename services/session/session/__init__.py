"""Latchkey session service."""

from pathlib import Path

SERVICE = "session"
SCHEMA = "session"
MIGRATIONS = Path(__file__).parent / "migrations"
