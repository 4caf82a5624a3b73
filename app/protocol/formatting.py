"""IRC text formatting (bold, colours …) as styled spans, and the same text without it. Pure.

Follows the modern IRC formatting reference (https://modern.ircdocs.horse/formatting):
toggles for bold ``\\x02``, italics ``\\x1d``, underline ``\\x1f``, strikethrough ``\\x1e``,
monospace ``\\x11`` and reverse ``\\x16``; reset ``\\x0f``; colour ``\\x03`` with one or two
digits and an optional ``,`` background (two digits are read whenever there are two), and hex
colour ``\\x04`` with ``RRGGBB[,RRGGBB]`` in the same forms. A code with no colour after it
resets both colours; 99 is the client's default colour.

Parsing is total: every string gives spans, and no span holds a control character (an
unknown code, a lone ``\\x03`` and every other C0 or C1 control is simply not drawn). The
text of the spans, joined, is exactly :func:`strip_formatting` of the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = [
    "BOLD",
    "COLOUR",
    "COLOURS",
    "DEFAULT_COLOUR",
    "HEX_COLOUR",
    "ITALIC",
    "MONOSPACE",
    "PLAIN",
    "RESET",
    "REVERSE",
    "STRIKETHROUGH",
    "UNDERLINE",
    "Span",
    "Style",
    "colour_of",
    "has_formatting",
    "parse",
    "strip_colours",
    "strip_formatting",
]

BOLD = "\x02"
COLOUR = "\x03"
HEX_COLOUR = "\x04"
RESET = "\x0f"
MONOSPACE = "\x11"
REVERSE = "\x16"
ITALIC = "\x1d"
STRIKETHROUGH = "\x1e"
UNDERLINE = "\x1f"

DEFAULT_COLOUR = 99  # "the default foreground or background colour of the client"

# 0xRRGGBB of codes 00-98: 00-15 as the reference's own stylesheet draws them (the mIRC
# palette), 16-98 the extended table of the reference.
COLOURS: tuple[int, ...] = (
    # 00 white … 15 light grey
    0xFFFFFF, 0x000000, 0x00007F, 0x009300, 0xFF0000, 0x7F0000, 0x9C009C, 0xFC7F00,
    0xFFFF00, 0x00FC00, 0x009393, 0x00FFFF, 0x0000FC, 0xFF00FF, 0x7F7F7F, 0xD2D2D2,
    # 16-27
    0x470000, 0x472100, 0x474700, 0x324700, 0x004700, 0x00472C,
    0x004747, 0x002747, 0x000047, 0x2E0047, 0x470047, 0x47002A,
    # 28-39
    0x740000, 0x743A00, 0x747400, 0x517400, 0x007400, 0x007449,
    0x007474, 0x004074, 0x000074, 0x4B0074, 0x740074, 0x740045,
    # 40-51
    0xB50000, 0xB56300, 0xB5B500, 0x7DB500, 0x00B500, 0x00B571,
    0x00B5B5, 0x0063B5, 0x0000B5, 0x7500B5, 0xB500B5, 0xB5006B,
    # 52-63
    0xFF0000, 0xFF8C00, 0xFFFF00, 0xB2FF00, 0x00FF00, 0x00FFA0,
    0x00FFFF, 0x008CFF, 0x0000FF, 0xA500FF, 0xFF00FF, 0xFF0098,
    # 64-75
    0xFF5959, 0xFFB459, 0xFFFF71, 0xCFFF60, 0x6FFF6F, 0x65FFC9,
    0x6DFFFF, 0x59B4FF, 0x5959FF, 0xC459FF, 0xFF66FF, 0xFF59BC,
    # 76-87
    0xFF9C9C, 0xFFD39C, 0xFFFF9C, 0xE2FF9C, 0x9CFF9C, 0x9CFFDB,
    0x9CFFFF, 0x9CD3FF, 0x9C9CFF, 0xDC9CFF, 0xFF9CFF, 0xFF94D3,
    # 88-98: a grey ramp
    0x000000, 0x131313, 0x282828, 0x363636, 0x4D4D4D, 0x656565,
    0x818181, 0x9F9F9F, 0xBCBCBC, 0xE2E2E2, 0xFFFFFF,
)  # fmt: skip

# ASCII digits only: ``\d`` would also take Arabic-Indic and other Unicode digits.
_COLOUR_CODE = r"\x03(?:([0-9]{1,2})(?:,([0-9]{1,2}))?)?"
_HEX_CODE = r"\x04(?:([0-9A-Fa-f]{6})(?:,([0-9A-Fa-f]{6}))?)?"
_COLOURS_RE = re.compile(f"{_COLOUR_CODE}|{_HEX_CODE}")
# Every code, then every other control character (C0, DEL, C1): none of them is drawn.
_CODES_RE = re.compile(f"{_COLOUR_CODE}|{_HEX_CODE}|[\x00-\x1f\x7f-\x9f]")
_TOGGLES = {
    BOLD: "bold",
    ITALIC: "italic",
    UNDERLINE: "underline",
    STRIKETHROUGH: "strikethrough",
    MONOSPACE: "monospace",
    REVERSE: "reverse",
}


@dataclass(frozen=True, slots=True)
class Style:
    """How a span is drawn. Colours are 0xRRGGBB, None for the client's default; ``reverse``
    swaps foreground and background (defaults included) when drawn."""

    bold: bool = False
    italic: bool = False
    underline: bool = False
    strikethrough: bool = False
    monospace: bool = False
    reverse: bool = False
    fg: int | None = None
    bg: int | None = None


PLAIN = Style()


@dataclass(frozen=True, slots=True)
class Span:
    """A run of visible text (never empty, no control characters) in one style."""

    text: str
    style: Style


def colour_of(code: int) -> int | None:
    """0xRRGGBB of colour code ``code`` (0-99); None for 99, the default colour."""
    return None if code >= DEFAULT_COLOUR else COLOURS[code]


def _numbered(digits: str | None) -> int | None:
    return None if digits is None else colour_of(int(digits))


def _hex(digits: str | None) -> int | None:
    return None if digits is None else int(digits, 16)


def has_formatting(text: str) -> bool:
    """Whether ``text`` holds any code or control character (False: draw it as it is)."""
    return not text.isprintable() and _CODES_RE.search(text) is not None


def parse(text: str) -> list[Span]:
    """``text`` as spans of visible text, each in the style the codes before it set."""
    spans: list[Span] = []
    style = PLAIN  # what the codes so far set
    run: list[str] = []  # visible text in ``run_style``, not yet a span
    run_style = PLAIN
    position = 0

    def add(visible: str) -> None:
        nonlocal run_style
        if run and run_style != style:
            spans.append(Span("".join(run), run_style))
            run.clear()
        run.append(visible)
        run_style = style

    for match in _CODES_RE.finditer(text):
        if match.start() > position:
            add(text[position : match.start()])
        position = match.end()
        code = match.group()[0]
        if code == COLOUR:
            fg, bg = match.group(1), match.group(2)
            if fg is None:
                style = replace(style, fg=None, bg=None)
            elif bg is None:  # only the foreground: the background stays
                style = replace(style, fg=_numbered(fg))
            else:
                style = replace(style, fg=_numbered(fg), bg=_numbered(bg))
        elif code == HEX_COLOUR:
            fg, bg = match.group(3), match.group(4)
            if fg is None:
                style = replace(style, fg=None, bg=None)
            elif bg is None:
                style = replace(style, fg=_hex(fg))
            else:
                style = replace(style, fg=_hex(fg), bg=_hex(bg))
        elif code == RESET:
            style = PLAIN
        elif code in _TOGGLES:
            name = _TOGGLES[code]
            style = replace(style, **{name: not getattr(style, name)})
        # any other control character: dropped, the style goes on
    if position < len(text):
        add(text[position:])
    if run:
        spans.append(Span("".join(run), run_style))
    return spans


def strip_formatting(text: str) -> str:
    """``text`` as it reads: every code and control character taken out (for find, copy,
    notifications, and finding links)."""
    return _CODES_RE.sub("", text) if has_formatting(text) else text


def strip_colours(text: str) -> str:
    """``text`` without its colour codes (``\\x03``, ``\\x04`` and their digits); bold,
    italics, reverse and the other toggles stay."""
    if COLOUR not in text and HEX_COLOUR not in text:
        return text
    return _COLOURS_RE.sub("", text)
