"""What a person does in the browser, shared by the browser tests."""

from __future__ import annotations

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
