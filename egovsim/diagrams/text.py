"""Measuring and wrapping label text without a font engine.

The SVG is drawn on the server, where no browser lays the text out, so labels are wrapped by an
estimate of each glyph's width in a sans-serif face (as a share of the font size), on the wide
side: Kazakh and Russian words are long, and a line that overflows its box is worse than one
that wraps early.
"""

from __future__ import annotations

_NARROW = frozenset("iljtfrI.,:;!|'`()[]ітј")
_WIDE = frozenset("mwMWЖШЩЮЫжшщюыМм—%@")
_SPACE = 0.3
#: The distance from one line of text to the next, as a share of the font size.
LINE_HEIGHT = 1.22


def glyph_width(char: str) -> float:
    """One character's width as a share of the font size."""
    if char == " ":
        return _SPACE
    if char in _NARROW:
        return 0.34
    if char in _WIDE:
        return 0.9
    if char.isdigit():
        return 0.58
    if char.isupper():
        return 0.7
    if "\u0400" <= char <= "\u04ff":  # Cyrillic lowercase, Kazakh letters included
        return 0.62
    return 0.6


def text_width(text: str, font: float, *, bold: bool = False) -> float:
    """The estimated width in pixels of `text` at `font` size."""
    width = sum(glyph_width(c) for c in text) * font
    return width * 1.07 if bold else width


def wrap(text: str, width: float, font: float, *, bold: bool = False) -> list[str]:
    """`text` in lines no wider than `width` pixels at `font` size, broken between words, and
    inside a word only when the word alone is too wide."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font, bold=bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while text_width(word, font, bold=bold) > width:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", font, bold=bold) > width:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def fit(
    text: str, width: float, height: float, font: float, *, smallest: float = 12.0
) -> tuple[list[str], float]:
    """`text` in lines inside a `width` x `height` box and the font size they take: `font`
    made smaller (down to `smallest`) until they fit, and the last line cut with "…" if they
    still do not."""
    lines = wrap(text, width, font)
    while len(lines) * font * LINE_HEIGHT > height and font > smallest:
        font -= 1
        lines = wrap(text, width, font)
    most = max(1, int(height / (font * LINE_HEIGHT)))
    if len(lines) > most:  # the tooltip keeps the whole text
        lines = [*lines[: most - 1], lines[most - 1].rstrip(" ,.;") + "…"]
    return lines, font
