"""The palette in static/css/dashboard.css meets WCAG AA in both themes.

The custom properties are read from the stylesheet itself (the light `:root` block and the two
copies of the dark one), and every colour pair the pages put together is checked with WCAG's
contrast ratio: 4.5:1 for text, which also covers the 3:1 that borders and icons need.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "dashboard.css"

STATUSES = ["ok", "degraded", "partial", "major", "maint", "unknown"]
TEXT_AA = 4.5


def _block(css: str, selector: str) -> str:
    """The declarations of the first rule whose selector is exactly `selector`."""
    match = re.search(re.escape(selector) + r"\s*\{([^{}]*)\}", css)
    assert match is not None, f"no rule for {selector} in {CSS.name}"
    return match.group(1)


def _properties(block: str) -> dict[str, str]:
    return {
        name: value.strip().lower()
        for name, value in re.findall(r"(--[a-z-]+)\s*:\s*([^;]+);", block)
    }


def _palettes() -> dict[str, dict[str, str]]:
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    system_dark = re.search(
        r"@media \(prefers-color-scheme: dark\)\s*\{\s*"
        r':root:not\(\[data-theme="light"\]\)\s*\{([^{}]*)\}',
        css,
    )
    assert system_dark is not None, "no dark palette for the system's dark mode"
    return {
        "light": _properties(_block(css, ":root")),
        "dark": _properties(_block(css, ':root[data-theme="dark"]')),
        "system dark": _properties(system_dark.group(1)),
    }


def _luminance(colour: str) -> float:
    assert re.fullmatch(r"#[0-9a-f]{6}", colour), f"{colour} is not #rrggbb"
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted([_luminance(first), _luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _pairs() -> list[tuple[str, str]]:
    """(foreground, background) custom properties that the stylesheet puts together."""
    pairs = []
    for status in STATUSES:
        # A badge, a tag or a "connection lost" line: the status colour on its tint, on a card
        # and on the page; a tile's or card's edge in that colour against the card.
        for background in (f"--{status}-bg", "--surface", "--bg"):
            pairs.append((f"--{status}", background))
        # Banners and notices: body text and links on a status tint.
        for text in ("--text", "--muted", "--link"):
            pairs.append((text, f"--{status}-bg"))
    for text in ("--text", "--muted", "--link", "--focus"):
        pairs.extend([(text, "--surface"), (text, "--bg")])
    pairs.append(("--header-text", "--header-bg"))
    return pairs


def test_the_palette_reads_as_expected():
    palettes = _palettes()

    assert palettes["light"]["--ok"] == "#1a6b3c"
    assert set(palettes["light"]) >= {f"--{s}" for s in STATUSES}
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_two_copies_of_the_dark_palette_agree():
    palettes = _palettes()

    assert palettes["dark"] == palettes["system dark"]
    # Every colour of the light palette has its dark counterpart.
    colours = {name for name, value in palettes["light"].items() if value.startswith("#")}
    assert colours <= set(palettes["dark"])


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("foreground", "background"), _pairs())
def test_every_colour_pair_meets_wcag_aa(theme: str, foreground: str, background: str):
    palette = _palettes()[theme]

    ratio = contrast(palette[foreground], palette[background])

    assert ratio >= TEXT_AA, f"{theme}: {foreground} on {background} is {ratio:.2f}:1"
