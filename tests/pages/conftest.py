"""Until the gateway wires the pages in (`setup_pages(app)` in gateway.app), these tests cannot run."""

from __future__ import annotations

import inspect

import pytest


def pytest_collection_modifyitems(config, items):
    import gateway.app

    if "setup_pages" in inspect.getsource(gateway.app):
        return
    skip = pytest.mark.skip(reason="gateway.app does not call setup_pages(app) yet")
    for item in items:
        if "tests/pages/" in str(item.fspath) or "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)
