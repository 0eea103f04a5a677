"""Whether a piece of text shows anything at all.

Readers type names, bios and comments. A field holding only zero-width
spaces, byte-order marks, control characters or exotic spaces
(``"\\u200b\\u200b\\ufeff"``) gets past a plain ``strip()`` and then shows as
nothing: an empty name, an empty comment. Forms ask this one predicate, so
every field draws the line in the same place.
"""

from __future__ import annotations

import unicodedata

# Format (Cf: zero-width spaces and joiners, the BOM, bidi marks), control (Cc)
# and separators (Zs, Zl, Zp).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
# Unicode files these as letters or symbols, yet they render blank (Hangul
# fillers, the braille blank): a known way around a category check.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_character(text: str) -> bool:
    """True when ``text`` has at least one character a reader can see."""
    return any(
        not char.isspace()
        and char not in _BLANK_GLYPHS
        and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        for char in text
    )
