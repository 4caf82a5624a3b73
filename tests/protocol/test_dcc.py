"""DCC messages: parsing what real clients send, formatting ours, and safe file names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protocol.dcc import (
    DccError,
    DccResume,
    DccSend,
    ack,
    acked,
    format_resume,
    format_send,
    is_risky,
    parse,
    safe_name,
)


def test_offers_as_irssi_hexchat_and_weechat_send_them() -> None:
    assert parse("SEND photo.png 2130706433 5000 1234") == DccSend(
        "photo.png", "127.0.0.1", 5000, 1234
    )
    assert parse('SEND "my photo.png" 3232235777 6000 10') == DccSend(
        "my photo.png", "192.168.1.1", 6000, 10
    )
    assert parse("SEND a.txt 2130706433 0 99 17") == DccSend("a.txt", "127.0.0.1", 0, 99, "17")
    assert parse("SEND v6.bin ::1 7000 5").host == "::1"
    assert parse("RESUME a.txt 5000 1024") == DccResume("RESUME", "a.txt", 5000, 1024)
    assert parse("ACCEPT a.txt 0 1024 17") == DccResume("ACCEPT", "a.txt", 0, 1024, "17")


@pytest.mark.parametrize("body", [
    "", "CHAT chat 2130706433 5000", "SEND a.txt", "SEND a.txt nothost 5000 1",
    "SEND a.txt 2130706433 70000 1", "SEND a.txt 2130706433 0 1", "RESUME a.txt x 1",
    "SEND a.txt 0 5000 1",
])
def test_what_we_cannot_use_is_an_error_with_words(body: str) -> None:
    with pytest.raises(DccError):
        parse(body)


def test_ours_parse_back() -> None:
    offer = DccSend("two words.txt", "10.0.0.5", 4000, 77, "ab12")
    assert parse(format_send(offer)[1:-1].removeprefix("DCC ")) == offer
    resume = DccResume("RESUME", "x.bin", 4000, 50)
    assert parse(format_resume(resume)[1:-1].removeprefix("DCC ")) == resume


def test_acks_are_32_bit_big_endian_modulo() -> None:
    assert ack(5) == b"\0\0\0\x05"
    assert ack(2**32 + 7) == b"\0\0\0\x07"
    assert acked(ack(1) + ack(300)) == 300 and acked(b"\0\0") is None
    assert acked(ack(9) + b"\0\0") == 9  # a half ack is not read


@pytest.mark.parametrize(("offered", "saved"), [
    ("../../.bashrc", "bashrc"), ("/etc/passwd", "passwd"), ("..\\..\\win.ini", "win.ini"),
    ("normal photo.jpg", "normal photo.jpg"), ("...", "download"), ("", "download"),
    ("a\x00b\x1b[31m.txt", "ab[31m.txt"), ("con:tent?.txt", "content.txt"),
])
def test_saved_names_stay_in_their_folder(offered: str, saved: str) -> None:
    assert safe_name(offered) == saved


@given(st.text())
def test_no_saved_name_climbs_or_hides(offered: str) -> None:
    name = safe_name(offered)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert len(name.encode()) <= 200 and all(ch.isprintable() for ch in name)


def test_programs_and_scripts_are_risky() -> None:
    assert is_risky("setup.EXE") and is_risky("run.sh") and is_risky("app.AppImage")
    assert not is_risky("photo.png") and not is_risky("notes.txt")
