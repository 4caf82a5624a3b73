"""DNS-SD pieces without a network: our TXT record both ways, names, and the off switch."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protocol.dnssd import (
    MAX_INSTANCE,
    MAX_STRING,
    PLAIN_TYPE,
    TLS_TYPE,
    ChatTxt,
    LanChat,
    decode_txt,
    encode_txt,
    instance_name,
    instance_of,
    mdns_off,
    split_txt,
)


def strings(rdata: bytes) -> list[bytes]:
    """The length-prefixed strings of TXT RDATA."""
    out, i = [], 0
    while i < len(rdata):
        out.append(rdata[i + 1 : i + 1 + rdata[i]])
        i += 1 + rdata[i]
    return out


def record(*items: bytes) -> bytes:
    return b"".join(bytes([len(item)]) + item for item in items)


ROUND_TRIPS = [
    ChatTxt("kitchen-pc", "alice", "#chatbox"),
    ChatTxt("test.server", "", "#chatbox"),
    ChatTxt("büro-rechner", "jörg", "#kaffee"),
    ChatTxt("日本のサーバー", "bob", "#日本"),
    ChatTxt("", "", ""),
]


@pytest.mark.parametrize("txt", ROUND_TRIPS)
def test_round_trip(txt: ChatTxt) -> None:
    assert decode_txt(encode_txt(txt)) == txt


def test_wire_form() -> None:
    rdata = encode_txt(ChatTxt("kitchen-pc", "alice", "#chatbox"))
    assert strings(rdata) == [b"txtvers=1", b"server=kitchen-pc", b"nick=alice",
                              b"room=#chatbox"]
    assert rdata[0] == len(b"txtvers=1")


def test_long_values_are_cut_at_a_character_boundary() -> None:
    txt = ChatTxt("ü" * 300, "a" * 400, "#room")
    rdata = encode_txt(txt)
    for item in strings(rdata):
        assert len(item) <= MAX_STRING
        item.decode("utf-8")  # never half a character
    back = decode_txt(rdata)
    assert back.server == "ü" * ((MAX_STRING - len("server=")) // 2)
    assert back.nick == "a" * (MAX_STRING - len("nick="))
    assert back.room == "#room"


@pytest.mark.parametrize(
    ("rdata", "expected"),
    [
        (b"", {}),
        (b"\x00", {}),  # the empty TXT record: one empty string
        (b"\x06NICK=x\x06nick=y", {"nick": "x"}),  # case-insensitive; the first one wins
        (b"\x04flag", {"flag": ""}),  # a key alone
        (b"\x05=oops\x03a=b", {"a": "b"}),  # no key: ignored
        (b"\x07a=b=c=d", {"a": "b=c=d"}),  # only the first = splits
        (b"\x03a=b\x09nick=al", {"a": "b"}),  # runs past the end: dropped
        (b"\x06nick=\xff", {"nick": "\ufffd"}),  # bad UTF-8 replaced
    ],
)
def test_split_txt(rdata: bytes, expected: dict[str, str]) -> None:
    assert split_txt(rdata) == expected


def test_foreign_record_leaves_fields_empty() -> None:
    """Another IRC server's _irc._tcp may carry no TXT of ours at all."""
    assert decode_txt(b"\x00") == ChatTxt()
    assert decode_txt(b"\x0bpath=/stuff") == ChatTxt()


def test_decoded_text_is_safe_to_show() -> None:
    txt = decode_txt(record(b"server=evil\x1b[31m\nname\xe2\x80\xae", b"nick=al\x00ice\x07"))
    assert txt.server == "evil[31mname"
    assert txt.nick == "alice"


@pytest.mark.parametrize("room", ["chatbox", "#bad room", "#a,#b", "#", "#" + "x" * 60])
def test_a_room_that_is_no_channel_is_dropped(room: str) -> None:
    assert decode_txt(encode_txt(ChatTxt("s", "n", room))).room == ""


@given(st.binary(max_size=600))
def test_any_rdata_decodes(rdata: bytes) -> None:
    """Whatever a stranger on the LAN publishes, decoding gives fields, never an error."""
    txt = decode_txt(rdata)
    assert isinstance(txt, ChatTxt)


@given(st.text(max_size=300), st.text(max_size=40))
def test_any_names_round_trip_as_shown(server: str, nick: str) -> None:
    back = decode_txt(encode_txt(ChatTxt(server, nick, "#chatbox")))
    assert back.room == "#chatbox"
    assert len(back.server.encode()) <= MAX_STRING
    assert "\n" not in back.server and "\x00" not in back.nick


def test_instance_names() -> None:
    assert instance_name("kitchen-pc", "alice") == "alice on kitchen-pc"
    assert instance_name("kitchen-pc") == "kitchen-pc"
    assert instance_name("irc.example.org") == "irc\u2024example\u2024org"  # one DNS label
    assert instance_name("") == "Chatbox"
    long = instance_name("ö" * 100, "bob")
    assert len(long.encode()) <= MAX_INSTANCE
    assert long.startswith("bob on ööö")


def test_instance_of() -> None:
    assert instance_of(f"alice on pc.{PLAIN_TYPE}", PLAIN_TYPE) == "alice on pc"
    assert instance_of(f"pc.{TLS_TYPE}", TLS_TYPE) == "pc"
    assert instance_of("odd", PLAIN_TYPE) == "odd"


@pytest.mark.parametrize(
    ("value", "off"),
    [(None, False), ("", False), ("0", False), ("1", True), ("yes", True), (" 1 ", True)],
)
def test_mdns_off(value: str | None, off: bool) -> None:
    environ = {} if value is None else {"CHATBOX_NO_MDNS": value}
    assert mdns_off(environ) is off


def test_the_suite_runs_with_mdns_off() -> None:
    """tests/conftest.py sets it for every test: nothing multicasts on the real network."""
    assert mdns_off()


@pytest.mark.parametrize(
    ("addresses", "best"),
    [
        (("10.0.0.5",), "10.0.0.5"),
        (("fe80::1", "2001:db8::5", "192.168.1.20"), "192.168.1.20"),
        (("fe80::1", "2001:db8::5"), "2001:db8::5"),
        (("fe80::1%eth0",), ""),  # link-local only: nothing an address box can reach
        ((), ""),
    ],
)
def test_the_address_to_connect_to(addresses: tuple[str, ...], best: str) -> None:
    chat = LanChat("k", "n", addresses, 6667, False)
    assert chat.address == best
    assert chat.join_room == "#chatbox"
