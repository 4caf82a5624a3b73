"""Random client batches (hypothesis, a real ServerCore, no sockets): the server never fails,
the connection stays, and a batch reaches others only at its ``BATCH -ref``, only when
nothing of it was refused, and then with exactly the lines sent (as lines to a client
without the cap, the blank ones left out)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.message import Message, parse
from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from tests.server.test_fuzz import Sink
from tests.server.test_fuzz_client_tags import connect

REFS = ["a", "b", "c_"]
TARGETS = ["#room", "#ROOM", "#nowhere", "bob", "#room,bob", "@#room"]
TEXTS = ["", "x", "two words ", "é", "y" * 300, "z" * 600]
MULTI = "draft/multiline batch message-tags echo-message labeled-response server-time"


@st.composite
def items(draw: st.DrawFn) -> list[str]:
    """One or more lines a client might send while it batches."""
    ref = draw(st.sampled_from(REFS))
    target = draw(st.sampled_from(TARGETS))
    kind = draw(st.integers(0, 7))
    if kind == 0:
        label = draw(st.sampled_from(["", "@label=l ", "@+reply=m ", "@+reply= "]))
        kind_name = draw(st.sampled_from(["draft/multiline"] * 5 + ["netsplit"]))
        return [f"{label}BATCH +{ref} {kind_name} {target}"]
    if kind == 1:
        return [f"BATCH -{ref}"]
    if kind == 2:
        return [f"@batch={draw(st.sampled_from(REFS))} BATCH +{ref} draft/multiline {target}"]
    if kind == 3:
        return [f"PRIVMSG {target} :plain {draw(st.sampled_from(TEXTS))}"]
    if kind == 4:
        return [f"@batch={ref} PRIVMSG #room :many"] * draw(st.sampled_from([5, 101]))
    command = draw(st.sampled_from(["PRIVMSG"] * 6 + ["NOTICE", "TAGMSG"]))
    concat = ";draft/multiline-concat" if draw(st.booleans()) else ""
    return [f"@batch={ref}{concat} {command} {target} :{draw(st.sampled_from(TEXTS))}"]


def lines_of(sink: Sink, start: int) -> list[Message]:
    text = bytes(sink.data[start:]).decode("utf-8")  # raises on bytes that are not UTF-8
    return [parse(line) for line in text.split("\r\n") if line]


@settings(max_examples=200, deadline=None)
@given(script=st.lists(items(), min_size=1, max_size=20))
def test_random_batches_never_break_the_server_nor_deliver_a_refused_batch(
    script: list[list[str]],
) -> None:
    core = ServerCore(ServerConfig(name="fuzz.test", flood=FloodPolicy(enabled=False)))
    alice, alice_out = connect(core, "alice", MULTI)
    _, bob_out = connect(core, "bob", "draft/multiline batch message-tags")
    _, carol_out = connect(core, "carol")
    sent = [line for item in script for line in item]
    opened: dict[str, int] = {}  # ref → index of its BATCH +ref
    failed_at: list[int] = []
    for i, line in enumerate(sent):
        marks = len(alice_out.data), len(bob_out.data), len(carol_out.data)
        core.receive(alice, line.encode() + b"\r\n")
        said = lines_of(alice_out, marks[0])
        if any(m.command == "FAIL" and m.param(0) == "BATCH" for m in said):
            failed_at.append(i)
        got = lines_of(bob_out, marks[1])
        plain = [m for m in lines_of(carol_out, marks[2]) if m.command in ("PRIVMSG", "NOTICE")]
        msg = parse(line)
        if msg.command == "BATCH" and not msg.tags and msg.param(0)[:1] == "+":
            opened[msg.param(0)[1:]] = i
        batches = [m for m in got if m.command == "BATCH" and m.param(0)[:1] == "+"]
        if not batches:
            if msg.command != "PRIVMSG" or msg.tags:  # a batch's lines reach nobody
                assert not [m for m in got if m.command in ("PRIVMSG", "NOTICE")]
                assert not plain
            continue
        assert msg.command == "BATCH" and not msg.tags and msg.param(0)[:1] == "-"
        ref = msg.param(0)[1:]
        start = opened[ref]
        assert not [j for j in failed_at if start <= j <= i]  # nothing of it refused
        expected = []
        for other in sent[start + 1 : i]:
            part = parse(other)
            if part.tags.get("batch") == ref:
                expected.append((part.params[1], "draft/multiline-concat" in part.tags))
        inner = [(m.params[1], "draft/multiline-concat" in m.tags) for m in got[1:-1]]
        assert [text for text, _ in inner] == [text for text, _ in expected]
        assert inner[1:] == expected[1:]
        to_room = got[0].params[2] != "bob"  # carol is in the room, not in the query
        assert [m.params[1] for m in plain] == [text for text, _ in expected if text and to_room]
    marks = len(alice_out.data), 0, 0
    core.receive(alice, b"PING end\r\n")
    assert lines_of(alice_out, marks[0])[-1].command == "PONG"  # still connected
    assert not alice_out.closed
    assert len(core.batches) <= 1
