"""What the browser suite checks on every page state: axe-core, sideways scrolling, keyboard focus, contrast.

axe-core is the npm package's minified build, committed under vendor/ (see its
README) and evaluated through the DevTools protocol, so the pages' strict CSP
(no inline script) stays on while it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


async def axe_violations(page) -> list[str]:
    """Serious and critical axe-core findings on the page as it is now, one line each."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE_SOURCE + "\n;true")
    found = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
        }"""
    )
    return found


async def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


async def check(page, state: str) -> None:
    """The page in this state: no serious axe finding, no sideways scroll."""
    violations = await axe_violations(page)
    assert violations == [], f"{state}: {violations}"
    assert await horizontal_overflow(page) <= 0, f"{state}: the page scrolls sideways"


# Every control a keyboard user must reach, visible and enabled.
_CONTROLS = """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), [tabindex="0"]')]
    .filter((el) => !el.disabled && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
    .map((el) => el.id || el.textContent.trim() || el.name || el.getAttribute('href'))"""
_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
    return {name: el.id || el.textContent.trim() || el.name || el.getAttribute('href'), visible, color: style.outlineColor};
}"""


async def tab_through(page, state: str) -> list[str]:
    """Press Tab until focus comes round again: every control is reached, each with a visible focus ring."""
    expected = await page.evaluate(_CONTROLS)
    await page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: list[str] = []
    for _ in range(len(expected) + 3):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(_FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"{state}: no visible focus on {focused['name']!r}"
        assert contrast(focused["color"], "rgb(255, 255, 255)") >= 3, f"{state}: faint focus ring on {focused['name']!r}"
        if reached and focused["name"] == reached[0]:
            break
        reached.append(focused["name"])
    missing = [name for name in expected if name not in reached]
    assert missing == [], f"{state}: Tab never reaches {missing}"
    # A sensible order is the reading order: the controls as the document lists them (no positive tabindex).
    start = expected.index(reached[0]) if reached and reached[0] in expected else 0
    assert [name for name in reached if name in expected] == expected[start:] + expected[:start], f"{state}: Tab order"
    return reached


def _luminance(css_color: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_color)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(color_a: str, color_b: str) -> float:
    """The WCAG contrast ratio of two `rgb(...)` colours."""
    lighter, darker = sorted((_luminance(color_a), _luminance(color_b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
