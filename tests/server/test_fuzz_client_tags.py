"""Arbitrary bytes in tag values and parameters (hypothesis, a real ServerCore, no sockets):
the server never fails, goes on serving, and never relays what was not UTF-8 (UTF8ONLY): no
byte it writes is invalid, and no U+FFFD stands in for bad bytes in what others receive or
in CHATHISTORY replays (message-tags: "SHOULD NOT substitute replacement bytes")."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.state import Client
from tests.server.test_fuzz import Sink

KEYS = ["+draft/reply", "+reply", "+draft/react", "+draft/unreact", "+typing", "label", "+x",
        "msgid"]
COMMANDS = ["PRIVMSG", "NOTICE", "TAGMSG", "TOPIC", "PART", "JOIN", "AWAY", "SETNAME", "NICK",
            "KICK", "INVITE", "USER", "FOO"]
TARGETS = [b"#room", b"bob", b"alice", b"@#room", b"#room,bob", b""]
ANY = st.binary(max_size=70)
ALICE_CAPS = ("message-tags echo-message labeled-response batch server-time account-tag "
              "draft/chathistory draft/event-playback")


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    tags = [draw(st.sampled_from(KEYS)).encode() + b"=" + draw(ANY)
            for _ in range(draw(st.integers(0, 4)))]
    head = b"@" + b";".join(tags) + b" " if tags else b""
    words = [draw(st.sampled_from(COMMANDS)).encode(), draw(st.sampled_from(TARGETS) | ANY)]
    if draw(st.booleans()):
        words.append(b":" + draw(ANY))
    line = head + b" ".join(words)
    return line.replace(b"\r", b"").replace(b"\n", b"") + b"\r\n"


def connect(core: ServerCore, nick: str, caps: str = "") -> tuple[Client, Sink]:
    sink = Sink()
    client = core.connect("127.0.0.1", sink.write, sink.close)
    cap = f"CAP REQ :{caps}\r\n" if caps else ""
    core.receive(client, f"CAP LS 302\r\n{cap}NICK {nick}\r\nUSER u 0 * :R\r\nCAP END\r\n"
                         "JOIN #room\r\n".encode())
    return client, sink


REPLACEMENT = "\ufffd".encode()


def assert_utf8(sink: Sink) -> None:
    bytes(sink.data).decode("utf-8")  # raises on a single byte that is not UTF-8


@settings(max_examples=300, deadline=None)
@example(script=[b"@+draft/reply=\xff;+draft/react=\xc3 TAGMSG #room\r\n"])
@example(script=[b"@label=\xe9 PRIVMSG #room :caf\xe9\r\n", b"TOPIC #room :\xff\r\n"])
@example(script=[b"@+reply=a;+draft/react=\xf0\x9f\x91 PRIVMSG #room :\x80\r\n"])
@example(script=[b"@label=\x00 PRIVMSG #room :\x80\r\n"])  # found by this test
@given(script=st.lists(lines(), min_size=1, max_size=25))
def test_no_bytes_in_tags_or_params_break_the_server_or_get_relayed_unchecked(
    script: list[bytes],
) -> None:
    core = ServerCore(ServerConfig(name="fuzz.test", flood=FloodPolicy(enabled=False)))
    alice, alice_sink = connect(core, "alice", ALICE_CAPS)
    _, bob_sink = connect(core, "bob", "message-tags server-time")
    _, carol_sink = connect(core, "carol")
    for raw in script:
        core.receive(alice, raw)
    if not alice.closed:
        core.receive(alice, b"JOIN #room\r\nCHATHISTORY LATEST #room * 100\r\n"
                            b"CHATHISTORY LATEST bob * 100\r\n")
    for sink in (alice_sink, bob_sink, carol_sink):
        assert_utf8(sink)
    if not any(REPLACEMENT in raw for raw in script):
        replays = [line for line in alice_sink.data.split(b"\n") if b"batch=" in line]
        for relayed in (bob_sink.data, carol_sink.data, *replays):
            assert REPLACEMENT not in relayed
    dave, _ = connect(core, "dave")
    _, eve_sink = connect(core, "eve")
    core.receive(dave, b"PRIVMSG #room :still serving\r\n")
    assert dave.registered and b"PRIVMSG #room :still serving" in eve_sink.data


@settings(max_examples=200, deadline=None)
@given(text=st.binary(min_size=1, max_size=80), command=st.sampled_from(["PRIVMSG", "NOTICE"]))
def test_a_message_that_is_not_utf8_reaches_nobody(text: bytes, command: str) -> None:
    try:
        text.replace(b"\r", b"").replace(b"\n", b"").decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return  # valid UTF-8: not this property's business
    core = ServerCore(ServerConfig(name="fuzz.test", flood=FloodPolicy(enabled=False)))
    alice, alice_sink = connect(core, "alice")
    _, bob_sink = connect(core, "bob", "message-tags")
    bob_sink.data.clear()
    alice_sink.data.clear()
    body = text.replace(b"\r", b"").replace(b"\n", b"")
    core.receive(alice, command.encode() + b" #room :" + body + b"\r\n")
    assert bob_sink.data == b""
    assert alice_sink.data.startswith(f":fuzz.test FAIL {command} INVALID_UTF8 ".encode())
