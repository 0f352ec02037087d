"""Latchkey oidc-link service."""

from pathlib import Path

SERVICE = "oidc-link"
SCHEMA = "oidc"
MIGRATIONS = Path(__file__).parent / "migrations"
