"""A short description of a User-Agent header for people ("Chrome on macOS"), not for decisions.

Nothing here authorizes anything, so a rough reading is enough and a small
table beats a regex database: the order matters because browsers claim each
other's names (Edge and Opera say Chrome, Chrome says Safari).
"""

from __future__ import annotations

import re

_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Headless Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Windows", "Windows"),
    ("Linux", "Linux"),
)
_TOOL = re.compile(r"^([A-Za-z][A-Za-z0-9._-]{0,30})/[0-9]")  # curl/8.5.0, python-requests/2.32, Python/3.11 aiohttp/3.9


def describe(user_agent: str | None) -> str:
    if not user_agent:
        return "Unknown device"
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if "aiohttp/" in user_agent:
        return "aiohttp"
    tool = _TOOL.match(user_agent)
    if tool:
        return tool.group(1)
    return "Unknown device"
