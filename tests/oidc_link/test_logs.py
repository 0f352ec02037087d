"""Secrets of the flow never reach a log line."""

from __future__ import annotations

import logging

from tests.oidc_link.conftest import TENANTS, query_of


async def test_a_full_link_flow_logs_no_secret(browser, caplog):
    caplog.set_level(logging.DEBUG)
    link = await browser.start_link(101, "acme")
    callback_url = await browser.authorize(link)
    await browser.callback(callback_url)
    await browser.callback(callback_url)  # the refused replay logs too

    logged = caplog.text + "".join(str(getattr(record, "fields", "")) for record in caplog.records)
    secrets = [
        TENANTS["acme"]["client_secret"],
        query_of(link)["state"],
        query_of(link)["nonce"],
        query_of(callback_url)["code"],
        browser.flow_cookie,
    ]
    assert "account linked" in logged
    for secret in secrets:
        assert secret and secret not in logged
