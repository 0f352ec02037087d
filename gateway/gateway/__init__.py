"""Latchkey gateway: the only public entry."""

SERVICE = "gateway"
