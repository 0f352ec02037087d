"""What a person does in the browser, shared by the browser tests."""

from __future__ import annotations

from contextlib import asynccontextmanager

from session import operator as session_operator
from session.settings import Settings as SessionSettings

PASSWORD = "correct horse battery staple"


async def create_user(system, email: str, *, name: str, org_id: int | None = None, role: str = "") -> dict:
    settings = SessionSettings.from_env(system.env)
    return await session_operator.create_user(settings, email=email, password=PASSWORD, org_id=org_id, role=role, name=name)


async def sign_in(page, gateway: str, email: str, password: str = PASSWORD, *, start: str = "/account") -> None:
    await page.goto(gateway + start)
    await page.fill("#password-form input[name=email]", email)
    await page.fill("#password-form input[name=password]", password)
    await page.click("#password-form button[type=submit]")


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@asynccontextmanager
async def browser_pages(origin: str | None = None):
    """Factory of fresh headless Chromium pages at a named viewport (clipboard allowed for `origin`).

    The test fails if a script throws or the CSP blocks anything.
    """
    from playwright.async_api import async_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

        async def new_page(viewport: str = "desktop"):
            context = await browser.new_context(viewport=VIEWPORTS[viewport], accept_downloads=True)
            if origin:
                await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
            page = await context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
            return page

        try:
            yield new_page
        finally:
            await browser.close()
    assert problems == []
