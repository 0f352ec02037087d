"""A partner's page on another origin calls the account API in a real Chromium, as the seed's jQuery example does.

Another port on 127.0.0.1 is another origin (same site); `localhost` against
Latchkey's 127.0.0.1 is another site, where only a SameSite=None cookie travels.
jQuery comes from its npm package, installed (pinned) by the fixture into a
git-ignored folder, so a clean clone needs nothing committed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from aiohttp import web

from latchkey_cli.embedded import free_port
from tests.e2e.browsing import PASSWORD, create_user
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

JQUERY_VERSION = "3.7.1"
NPM_FOLDER = Path(__file__).resolve().parent / ".npm"  # git-ignored
JQUERY = NPM_FOLDER / "node_modules" / "jquery" / "dist" / "jquery.min.js"

# The partner's page. The `$.post` is the seed article's, verbatim but for the host.
PARTNER_PAGE = """<!doctype html>
<meta charset="utf-8">
<title>Partner dashboard</title>
<script src="/jquery.min.js"></script>
<form id="sign-in"><input name="email"><input name="password" type="password"><button>Sign in</button></form>
<p id="user"></p>
<p id="problem"></p>
<script>
var LATCHKEY = "%(latchkey)s";
$("#sign-in").on("submit", function (event) {
    event.preventDefault();
    var email = $("input[name=email]").val();
    var password = $("input[name=password]").val();

    $.post(LATCHKEY + "/api/1/auth/session",
        {
            email:email,
            password:password,
        },
        function(data) {
            var sesskey = data.data.sesskey;
            $.get(LATCHKEY + "/api/1/users/me?sesskey=" + sesskey, function (me) {
                $("#user").text(me.data.name + " <" + me.data.email + ">");
            }).fail(function (xhr) { $("#problem").text("profile: " + xhr.status); });
        }
    ).fail(function (xhr) { $("#problem").text("sign-in: " + xhr.status); });
});
</script>
"""


@pytest.fixture(scope="session")
def jquery() -> bytes:
    """jQuery from npm, installed once into tests/e2e/.npm (reused while the pinned version is there)."""
    package = NPM_FOLDER / "node_modules" / "jquery" / "package.json"
    if not (JQUERY.exists() and f'"version": "{JQUERY_VERSION}"' in package.read_text()):
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI"):
                pytest.fail("npm is missing (apt-get install npm)")
            pytest.skip("needs npm (apt-get install npm); always runs under CI")
        NPM_FOLDER.mkdir(exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(NPM_FOLDER), "--no-save", "--no-audit", "--no-fund", "--silent",
             f"jquery@{JQUERY_VERSION}"],
            check=True, timeout=180,
        )
    return JQUERY.read_bytes()


@pytest.fixture
def partner_pages(jquery, site_on_port):
    """Factory: serve the partner page on a port, pointing at a Latchkey URL."""

    async def start(port: int, latchkey: str) -> None:
        app = web.Application()
        app.router.add_get("/", _serve(PARTNER_PAGE % {"latchkey": latchkey}, "text/html"))
        app.router.add_get("/jquery.min.js", _serve(jquery, "text/javascript"))
        app.router.add_get("/blank", _serve("<!doctype html><title>blank</title>", "text/html"))
        await site_on_port(app, port)

    return start


def _serve(body: bytes | str, content_type: str):
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=body.encode() if isinstance(body, str) else body, content_type=content_type)

    return handler


@pytest.fixture
async def cross_site_page():
    """A Chromium page in a normal profile that accepts third-party cookies, as Chrome does outside Incognito.

    The `browser_page` fixture's fresh context behaves like Incognito, which blocks
    every cookie set or sent cross-site, whatever its SameSite says.
    """
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="latchkey-chromium-") as profile:
        (Path(profile) / "Default").mkdir()
        preferences = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
        (Path(profile) / "Default" / "Preferences").write_text(json.dumps(preferences))
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = await context.new_page()
                page.set_default_timeout(15_000)
                yield page
            finally:
                await context.close()


async def sign_in_on_partner_page(page, url: str, email: str) -> None:
    await page.goto(url)
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in button")


async def test_the_seed_jquery_example_works_from_a_listed_origin_and_not_from_another(
    start_system, partner_pages, browser_page, http
):
    listed, unlisted = free_port(), free_port()
    system = await start_system(CORS_ALLOWED_ORIGINS=f"http://127.0.0.1:{listed}")
    await create_user(system, "ada@example.com", name="Ada Lovelace")
    for port in (listed, unlisted):
        await partner_pages(port, system.gateway)
    page = browser_page

    await sign_in_on_partner_page(page, f"http://127.0.0.1:{listed}/", "ada@example.com")
    await page.locator("#user").filter(has_text="Ada Lovelace <ada@example.com>").wait_for()

    await sign_in_on_partner_page(page, f"http://127.0.0.1:{unlisted}/", "ada@example.com")
    await page.locator("#problem").filter(has_text="sign-in: 0").wait_for()  # sent, but unreadable
    # Even with a good session key in hand, that page cannot read the user.
    async with http.post(system.gateway + "/api/1/auth/session", json={"email": "ada@example.com", "password": PASSWORD}) as response:
        sesskey = (await response.json())["data"]["sesskey"]
    outcome = await page.evaluate(
        """(url) => new Promise((done) => $.get(url).done(() => done("read")).fail((xhr) => done("failed " + xhr.status)))""",
        f"{system.gateway}/api/1/users/me?sesskey={sesskey}",
    )
    assert outcome == "failed 0"
    assert await page.locator("#user").text_content() == ""


FETCH_WITH_COOKIE = """async ([latchkey, email, password]) => {
    const login = await fetch(latchkey + "/api/1/auth/session", {
        method: "POST", credentials: "include",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({email, password}),
    });
    const me = await fetch(latchkey + "/api/1/users/me", {credentials: "include"});
    const regenerate = await fetch(latchkey + "/api/1/users/me/apikey", {method: "POST", credentials: "include"});
    return {login: login.status, me: me.status, name: me.ok ? (await me.json()).data.name : null,
            regenerate: regenerate.status, requestId: me.headers.get("X-Request-ID")};
}"""


@pytest.mark.parametrize(("samesite", "cookie_travels"), [("None", True), ("Lax", False)])
async def test_fetch_with_credentials_include_uses_the_cookie_cross_site_only_with_samesite_none(
    start_system, partner_pages, cross_site_page, samesite, cookie_travels
):
    port = free_port()
    partner = f"http://localhost:{port}"  # another site than Latchkey's 127.0.0.1
    system = await start_system(CORS_ALLOWED_ORIGINS=partner, SESSION_COOKIE_SAMESITE=samesite)
    await create_user(system, "ada@example.com", name="Ada Lovelace")
    await partner_pages(port, system.gateway)
    page = cross_site_page
    await page.goto(partner + "/blank")

    result = await page.evaluate(FETCH_WITH_COOKIE, [system.gateway, "ada@example.com", PASSWORD])

    assert result["login"] == 200 and result["requestId"]  # exposed to the page
    if cookie_travels:
        # The cookie came back cross-site, and the listed origin passes the CSRF check for the POST.
        assert (result["me"], result["name"], result["regenerate"]) == (200, "Ada Lovelace", 200)
    else:
        assert (result["me"], result["regenerate"]) == (401, 401)
