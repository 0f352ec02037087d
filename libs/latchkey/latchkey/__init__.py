"""Latchkey shared library: the one place for cross-service concerns.

Services and the gateway import from here; nothing here imports a service.
"""
