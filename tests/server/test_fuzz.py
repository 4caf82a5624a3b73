"""Whatever a client sends, the core answers or ignores it and keeps serving everyone:
hypothesis drives a real ServerCore with plain calls (no sockets, so thousands of cases)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.state import Client

COMMANDS = [
    "NICK", "USER", "PASS", "CAP", "JOIN", "PART", "PRIVMSG", "NOTICE", "TAGMSG", "TOPIC",
    "NAMES", "LIST", "KICK", "INVITE", "MODE", "WHO", "WHOIS", "WHOWAS", "AWAY", "ISON",
    "USERHOST", "OPER", "KILL", "PING", "PONG", "QUIT", "SETNAME", "LUSERS", "MOTD", "HELP",
    "VERSION", "TIME", "INFO", "LINKS", "ADMIN", "FOO", "001",
]
WORDS = st.sampled_from([
    "#room", "#other", "alice", "bob", "ALICE", "*", "0", "-1", "+o", "-o", "+b", "+k", "+l",
    "+imnst", "-t", "+beI", "*!*@*", "%tnuhraf,7", "LS", "302", "REQ", "END", "LIST",
    "server-time", "message-tags echo-message", "@#room", "+#room", ",", ":", "", "5",
    "ops:secret", "\u00e9t\u00e9", "a" * 40,
])
PARAMS = st.lists(st.one_of(WORDS, st.text(min_size=0, max_size=12)), max_size=5)
TAGS = st.sampled_from(["", "@label=x ", "@+draft/react=1 ", "@a=b;c ", "@=; "])


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    command = draw(st.sampled_from(COMMANDS))
    params = draw(PARAMS)
    text = draw(TAGS) + " ".join([command, *params])
    if params and draw(st.booleans()):
        text += " :" + draw(st.text(max_size=20))
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        raw += draw(st.binary(max_size=6))
    return raw.replace(b"\n", b" ").replace(b"\r", b" ") + draw(st.sampled_from([b"\r\n", b"\n"]))


class Sink:
    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.data += data

    def close(self, abort: bool) -> None:
        self.closed = True


def connect(core: ServerCore, nick: str) -> tuple[Client, Sink]:
    sink = Sink()
    client = core.connect("127.0.0.1", sink.write, sink.close)
    core.receive(client, f"CAP LS 302\r\nNICK {nick}\r\nUSER u 0 * :R\r\nCAP END\r\n".encode())
    core.receive(client, b"JOIN #room\r\n")
    return client, sink


@settings(max_examples=300, deadline=None)
@example(script=[(0, "WHOWAS #room :\u00b2\r\n".encode())])  # '²'.isdigit(), int('²') fails
@example(script=[(1, "MODE #room +l \u00b2\r\nLIST >\u00b2\r\n".encode())])
@given(script=st.lists(st.tuples(st.integers(0, 2), lines()), min_size=1, max_size=40))
def test_any_command_sequence_leaves_the_server_serving(
    script: list[tuple[int, bytes]],
) -> None:
    config = ServerConfig(name="fuzz.test", opers={"ops": "secret"},
                          flood=FloodPolicy(enabled=False))
    core = ServerCore(config)
    clients = [connect(core, nick)[0] for nick in ("alice", "bob", "carol")]
    for who, raw in script:
        core.receive(clients[who], raw)
    # A newcomer can still register, join and be heard by another newcomer.
    dave, _ = connect(core, "dave")
    eve, eve_sink = connect(core, "eve")
    assert dave.registered and eve.registered
    core.receive(dave, b"MODE #fresh\r\nJOIN #fresh\r\n")
    core.receive(eve, b"JOIN #fresh\r\n")
    eve_sink.data.clear()
    core.receive(dave, b"PRIVMSG #fresh :still serving\r\n")
    assert b"PRIVMSG #fresh :still serving" in eve_sink.data
