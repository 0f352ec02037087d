"""Latchkey org-provisioning service."""

from pathlib import Path

SERVICE = "org-provisioning"
SCHEMA = "org"
MIGRATIONS = Path(__file__).parent / "migrations"
