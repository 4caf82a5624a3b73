"""IRC formatting: the reference's forms and examples as tables, and a fuzz rule."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protocol.formatting import (
    COLOURS,
    PLAIN,
    Span,
    Style,
    colour_of,
    has_formatting,
    parse,
    strip_colours,
    strip_formatting,
)

RED, BLUE, GREEN = 0xFF0000, 0x00007F, 0x009300


def styled(text: str) -> list[tuple[str, Style]]:
    return [(span.text, span.style) for span in parse(text)]


# The four examples of the reference, code by code (its "Examples" section).
EXAMPLES = [
    (
        "I love \x033IRC! \x03It is the \x037best protocol ever!",
        [
            ("I love ", PLAIN),
            ("IRC! ", Style(fg=GREEN)),
            ("It is the ", PLAIN),
            ("best protocol ever!", Style(fg=0xFC7F00)),
        ],
    ),
    (
        "This is a \x1d\x0313,9cool \x03message",
        [
            ("This is a ", PLAIN),
            ("cool ", Style(italic=True, fg=0xFF00FF, bg=0x00FC00)),
            ("message", Style(italic=True)),
        ],
    ),
    (
        "IRC \x02is \x034,12so \x03great\x0f!",
        [
            ("IRC ", PLAIN),
            ("is ", Style(bold=True)),
            ("so ", Style(bold=True, fg=RED, bg=0x0000FC)),
            ("great", Style(bold=True)),
            ("!", PLAIN),
        ],
    ),
    (
        "Rules: Don't spam 5\x0313,8,6\x03,7,8, and especially not \x029\x02\x1d!",
        [
            ("Rules: Don't spam 5", PLAIN),
            (",6", Style(fg=0xFF00FF, bg=0xFFFF00)),
            (",7,8, and especially not ", PLAIN),
            ("9", Style(bold=True)),
            ("!", Style(italic=True)),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_the_references_examples(text: str, expected: list[tuple[str, Style]]) -> None:
    assert styled(text) == expected


# "Forms of Color Codes": <CODE>, <CODE>, , <CODE><COLOR>, <CODE><COLOR>, , <CODE><COLOR>,<COLOR>
COLOUR_FORMS = [
    ("\x0304,02a\x03b", [("a", Style(fg=RED, bg=BLUE)), ("b", PLAIN)]),  # <CODE> resets both
    ("\x0304,02a\x03,b", [("a", Style(fg=RED, bg=BLUE)), (",b", PLAIN)]),  # comma is text
    ("\x034a", [("a", Style(fg=RED))]),  # one digit
    ("\x0304a", [("a", Style(fg=RED))]),  # two digits
    ("\x034,a", [(",a", Style(fg=RED))]),  # fg, then a comma as text
    ("\x034,2a", [("a", Style(fg=RED, bg=BLUE))]),
    ("\x0304,02a", [("a", Style(fg=RED, bg=BLUE))]),
    ("\x03041a", [("1a", Style(fg=RED))]),  # two digits are always read, no more
    ("\x0304,021a", [("1a", Style(fg=RED, bg=BLUE))]),
    ("\x0304,02a\x0303b", [("a", Style(fg=RED, bg=BLUE)), ("b", Style(fg=GREEN, bg=BLUE))]),
    ("\x0399a", [("a", PLAIN)]),  # 99: the default colour
    ("\x0304,02a\x0399,99b", [("a", Style(fg=RED, bg=BLUE)), ("b", PLAIN)]),
    ("\x0304,99a", [("a", Style(fg=RED))]),
    ("\x0316a", [("a", Style(fg=0x470000))]),  # extended colours
    ("\x0398a", [("a", Style(fg=0xFFFFFF))]),
    ("\x03\u0664a", [("\u0664a", PLAIN)]),  # ASCII digits only (٤ is Arabic-Indic four)
    ("\x03", []),
    ("a\x03", [("a", PLAIN)]),
]


@pytest.mark.parametrize(("text", "expected"), COLOUR_FORMS)
def test_colour_forms(text: str, expected: list[tuple[str, Style]]) -> None:
    assert styled(text) == expected


HEX_FORMS = [
    ("\x04FF0000a", [("a", Style(fg=RED))]),
    ("\x04ff0000,00007fa", [("a", Style(fg=RED, bg=BLUE))]),
    ("\x04FF0000,a", [(",a", Style(fg=RED))]),
    ("\x04FF0000,00007Fa\x04b", [("a", Style(fg=RED, bg=BLUE)), ("b", PLAIN)]),
    ("\x04FF0000a\x04,b", [("a", Style(fg=RED)), (",b", PLAIN)]),
    ("\x04FF00a", [("FF00a", PLAIN)]),  # five hex digits are not a colour: text
    ("\x04FF0000,00FFa", [(",00FFa", Style(fg=RED))]),
    ("\x04FF0000FFb", [("FFb", Style(fg=RED))]),  # six digits exactly
    ("\x0304,02a\x04FF00FFb", [("a", Style(fg=RED, bg=BLUE)), ("b", Style(fg=0xFF00FF, bg=BLUE))]),
]


@pytest.mark.parametrize(("text", "expected"), HEX_FORMS)
def test_hex_colour_forms(text: str, expected: list[tuple[str, Style]]) -> None:
    assert styled(text) == expected


TOGGLES = [
    ("\x02a\x02b", [("a", Style(bold=True)), ("b", PLAIN)]),
    ("\x1da\x1db", [("a", Style(italic=True)), ("b", PLAIN)]),
    ("\x1fa\x1fb", [("a", Style(underline=True)), ("b", PLAIN)]),
    ("\x1ea\x1eb", [("a", Style(strikethrough=True)), ("b", PLAIN)]),
    ("\x11a\x11b", [("a", Style(monospace=True)), ("b", PLAIN)]),
    ("\x16a\x16b", [("a", Style(reverse=True)), ("b", PLAIN)]),
    ("\x02\x1d\x1f\x1e\x11\x16\x0304,02a\x0fb",
     [("a", Style(True, True, True, True, True, True, RED, BLUE)), ("b", PLAIN)]),
    ("\x02a\x1db\x02c", [("a", Style(bold=True)), ("b", Style(bold=True, italic=True)),
                         ("c", Style(italic=True))]),
]


@pytest.mark.parametrize(("text", "expected"), TOGGLES)
def test_toggles_and_reset(text: str, expected: list[tuple[str, Style]]) -> None:
    assert styled(text) == expected


@pytest.mark.parametrize(
    "text",
    ["\x02\x02hello\x03", "hel\x01lo", "\x07hello\x00", "he\x12l\x1blo\x7f", "hello\x85",
     "\x0f\x0fhello", "\x16\x16hello\x03", "hello\x04", "\x1d\x1dhello\x0399"],
)
def test_empty_and_unknown_codes_are_invisible_and_merge(text: str) -> None:
    assert parse(text) == [Span("hello", PLAIN)]
    assert strip_formatting(text) == "hello"


def test_the_colour_table() -> None:
    assert len(COLOURS) == 99
    classic = [0xFFFFFF, 0x000000, 0x00007F, 0x009300, 0xFF0000, 0x7F0000, 0x9C009C, 0xFC7F00,
               0xFFFF00, 0x00FC00, 0x009393, 0x00FFFF, 0x0000FC, 0xFF00FF, 0x7F7F7F, 0xD2D2D2]
    assert list(COLOURS[:16]) == classic
    # spot checks across the extended rows (16, 28, 40, 52, 64, 76) and the grey ramp
    assert [COLOURS[n] for n in (16, 27, 28, 40, 52, 63, 64, 76, 87)] == [
        0x470000, 0x47002A, 0x740000, 0xB50000, 0xFF0000, 0xFF0098, 0xFF5959, 0xFF9C9C, 0xFF94D3]
    assert COLOURS[88:] == (0x000000, 0x131313, 0x282828, 0x363636, 0x4D4D4D, 0x656565,
                            0x818181, 0x9F9F9F, 0xBCBCBC, 0xE2E2E2, 0xFFFFFF)
    assert colour_of(99) is None and colour_of(4) == RED


def test_strip_colours_keeps_the_other_formatting() -> None:
    text = "\x02b\x02 \x0304,02red\x03 \x04FF0000hex\x04, \x1di\x1d \x16r\x16 \x0312"
    assert strip_colours(text) == "\x02b\x02 red hex, \x1di\x1d \x16r\x16 "
    assert strip_colours("no codes") == "no codes"
    assert styled(strip_colours("\x02\x0304bold red")) == [("bold red", Style(bold=True))]


def test_has_formatting() -> None:
    assert not has_formatting("plain, é, 日本, 🙂")
    assert not has_formatting("zero\u200bwidth")  # not printable, but no code either
    assert has_formatting("a\x02b") and has_formatting("tab\there")


# Text with codes and digits and commas in it, so that the colour forms come up often.
irc_text = st.text(
    st.one_of(
        st.sampled_from("\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f,0123456789abcdefABCDEF"),
        st.characters(),
    ),
    max_size=60,
)


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


@given(irc_text)
def test_fuzz_any_text_parses_to_visible_spans(text: str) -> None:
    spans = parse(text)
    assert all(span.text for span in spans)
    assert not any(is_control(c) for span in spans for c in span.text)
    assert "".join(span.text for span in spans) == strip_formatting(text)
    assert all(a.style != b.style for a, b in itertools.pairwise(spans))
    assert strip_formatting(strip_colours(text)) == strip_formatting(text)
