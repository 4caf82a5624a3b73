"""draft/multiline over real sockets: a client batch delivered as one batch or as lines, every
FAIL code, labels and echo, private messages, history as one message (also after a restart),
and a batch that never ends; the time limit and the flood cost on the sans-IO core."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest

from app.protocol.message import Message
from app.protocol.multiline_check import CAP_VALUE, MAX_BYTES, MAX_LINES
from tests.conftest import StartServer
from tests.server.test_core import join, make_core
from tests.support import Clients, IrcClient, only, said

Connect = Callable[..., IrcClient]
MULTI = ("draft/multiline", "batch", "message-tags", "server-time", "echo-message",
         "labeled-response", "draft/chathistory")
PLAIN = ("message-tags", "server-time", "draft/chathistory", "batch")


def batch_lines(ref: str, target: str, texts: list[str], *, concat: tuple[int, ...] = (),
                command: str = "PRIVMSG", start_tags: str = "") -> str:
    """A client batch as one chunk: ``concat`` are the indexes of continuation lines."""
    head = f"@{start_tags} " if start_tags else ""
    out = [f"{head}BATCH +{ref} draft/multiline {target}"]
    for i, text in enumerate(texts):
        tag = f"batch={ref};draft/multiline-concat" if i in concat else f"batch={ref}"
        out.append(f"@{tag} {command} {target} :{text}")
    out.append(f"BATCH -{ref}")
    return "\r\n".join(out)


def read_batch(client: IrcClient) -> tuple[Message, list[Message], Message]:
    """The next multiline batch: its start, its lines (checked to be in it), its end."""
    start = client.expect("BATCH", where=lambda m: m.param(1) == "draft/multiline")
    ref = start.params[0][1:]
    inner = []
    while True:
        msg = client.read()
        if msg.command == "BATCH":
            assert msg.params == (f"-{ref}",)
            return start, inner, msg
        assert msg.tags.get("batch") == ref, msg
        inner.append(msg)


def room(connect: Connect) -> tuple[IrcClient, IrcClient, IrcClient]:
    """alice and bob with multiline, carol without, all in #room."""
    alice, bob, carol = connect("alice", caps=MULTI), connect("bob", caps=MULTI), connect(
        "carol", caps=PLAIN)
    for client in (alice, bob, carol):
        said(client, "JOIN #room")
    for client in (alice, bob, carol):
        client.sync()
    return alice, bob, carol


def test_the_cap_says_the_limits(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    offered = client.expect("CAP").params[-1].split()
    assert f"draft/multiline={CAP_VALUE}" in offered
    assert CAP_VALUE == "max-bytes=4096,max-lines=100"


def test_thirty_lines_arrive_as_one_batch_or_as_thirty_privmsgs(connect: Connect) -> None:
    alice, bob, carol = room(connect)
    texts = [f"line {i}" for i in range(30)]
    alice.send(batch_lines("a1", "#room", texts))
    start, inner, _ = read_batch(bob)
    assert start.source and start.source.startswith("alice!")
    assert start.params[1:] == ("draft/multiline", "#room")
    msgid, time = start.tags["msgid"], start.tags["time"]
    assert [m.params for m in inner] == [("#room", t) for t in texts]
    assert all(m.command == "PRIVMSG" and set(m.tags) == {"batch"} for m in inner)
    fallback = [carol.expect("PRIVMSG") for _ in texts]
    assert [m.params[1] for m in fallback] == texts
    assert [m.tags.get("msgid") for m in fallback] == [msgid] + [None] * 29
    assert {m.tags["time"] for m in fallback} == {time}
    assert only(carol.sync(), "PRIVMSG") == []  # thirty, no more


def test_concat_and_blank_lines_keep_their_composition(connect: Connect) -> None:
    alice, bob, carol = room(connect)
    alice.send(batch_lines("c1", "#room", ["", "how is ", "everyone?", "", "bye"],
                           concat=(2,), start_tags="+reply=abc"))
    start, inner, _ = read_batch(bob)
    assert start.tags["+reply"] == "abc"
    assert [m.params[1] for m in inner] == ["", "how is ", "everyone?", "", "bye"]
    assert ["draft/multiline-concat" in m.tags for m in inner] == [
        False, False, True, False, False]
    fallback = [carol.expect("PRIVMSG") for _ in range(3)]  # no blank line for these
    assert [m.params[1] for m in fallback] == ["how is ", "everyone?", "bye"]
    assert all(m.tags["+reply"] == "abc" for m in fallback)
    assert "draft/multiline-concat" not in fallback[1].tags
    assert fallback[0].tags["msgid"] == start.tags["msgid"]


REFUSED = [
    ("mixed targets", "BATCH +r draft/multiline #room\r\n@batch=r PRIVMSG #room :a\r\n"
     "@batch=r PRIVMSG #other :b\r\nBATCH -r", ("MULTILINE_INVALID_TARGET", "#room", "#other")),
    ("mixed commands", "BATCH +r draft/multiline #room\r\n@batch=r PRIVMSG #room :a\r\n"
     "@batch=r NOTICE #room :b\r\nBATCH -r", ("MULTILINE_INVALID",)),
    ("too many bytes", batch_lines("r", "#room", ["x" * 400] * 11), (
        "MULTILINE_MAX_BYTES", str(MAX_BYTES))),
    ("too many lines", batch_lines("r", "#room", ["x"] * (MAX_LINES + 1)), (
        "MULTILINE_MAX_LINES", str(MAX_LINES))),
    ("blank lines only", batch_lines("r", "#room", ["", ""]), ("MULTILINE_INVALID",)),
    ("no lines", "BATCH +r draft/multiline #room\r\nBATCH -r", ("MULTILINE_INVALID",)),
    ("concat on a blank line", batch_lines("r", "#room", ["hello ", "", "there"], concat=(1,)),
     ("MULTILINE_INVALID",)),
    ("an unknown reference", "BATCH +r draft/multiline #room\r\n@batch=r PRIVMSG #room :a\r\n"
     "@batch=zz PRIVMSG #room :b\r\nBATCH -r", ("MULTILINE_INVALID",)),
    ("a line of no open batch", "@batch=r PRIVMSG #room :a", ("MULTILINE_INVALID",)),
    ("an end of no open batch", "BATCH -r", ("MULTILINE_INVALID",)),
    ("a nested batch", "BATCH +r draft/multiline #room\r\n@batch=r PRIVMSG #room :a\r\n"
     "@batch=r BATCH +s draft/multiline #room\r\n@batch=s PRIVMSG #room :b\r\n"
     "@batch=r BATCH -s\r\nBATCH -r", ("MULTILINE_INVALID",)),
    ("a second batch before the first ends", "BATCH +r draft/multiline #room\r\n"
     "@batch=r PRIVMSG #room :a\r\n" + batch_lines("s", "#room", ["b"]), ("MULTILINE_INVALID",)),
    ("another batch type", "BATCH +r netsplit #room\r\n@batch=r PRIVMSG #room :a\r\nBATCH -r",
     ("MULTILINE_INVALID",)),
    ("no target", "BATCH +r draft/multiline\r\n@batch=r PRIVMSG #room :a\r\nBATCH -r",
     ("MULTILINE_INVALID",)),
    ("two targets", batch_lines("r", "#room,bob", ["a"]), ("MULTILINE_INVALID",)),
    ("a bad reference", batch_lines("r_1", "#room", ["a"]), ("MULTILINE_INVALID",)),
    ("a TAGMSG inside", "BATCH +r draft/multiline #room\r\n@batch=r;+typing=active TAGMSG "
     "#room\r\n@batch=r PRIVMSG #room :a\r\nBATCH -r", ("MULTILINE_INVALID",)),
    ("a bad reply tag", batch_lines("r", "#room", ["a"], start_tags="+reply="),
     ("MULTILINE_INVALID",)),
    ("a line too long", "BATCH +r draft/multiline #room\r\n@batch=r PRIVMSG #room :a\r\n"
     f"@batch=r PRIVMSG #room :{'x' * 600}\r\n@batch=r PRIVMSG #room :b\r\nBATCH -r",
     ("MULTILINE_INVALID",)),
]


@pytest.mark.parametrize(("script", "code"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_a_refused_batch_fails_once_and_nothing_of_it_is_delivered_or_stored(
    connect: Connect, script: str, code: tuple[str, ...],
) -> None:
    alice, bob, carol = room(connect)
    replies = said(alice, script)
    fails = only(replies, "FAIL")
    assert len(fails) == 1, replies
    assert fails[0].params[0] == "BATCH" and fails[0].params[1:-1] == code
    assert not only(replies, "PRIVMSG") and not only(replies, "BATCH")  # no echo either
    for client in (bob, carol):
        assert not [m for m in client.sync() if m.command in ("PRIVMSG", "NOTICE", "BATCH")]
    assert [m.command for m in said(alice, "CHATHISTORY LATEST #room * 10")] == [
        "BATCH", "BATCH"]  # nothing stored
    alice.send(batch_lines("ok", "#room", ["still", "works"]))  # the connection stays
    assert [m.params[1] for m in read_batch(bob)[1]] == ["still", "works"]


def test_a_batch_needs_the_cap(connect: Connect) -> None:
    carol = connect("carol", caps=PLAIN)
    said(carol, "JOIN #room")
    (fail,) = only(said(carol, batch_lines("r", "#room", ["a"])), "FAIL")
    assert fail.params[:2] == ("BATCH", "MULTILINE_INVALID")


def test_a_normal_privmsg_inside_an_open_batch_goes_at_once_and_the_batch_at_its_end(
    connect: Connect,
) -> None:
    alice, bob, carol = room(connect)
    alice.send("BATCH +m draft/multiline #room\r\n@batch=m PRIVMSG #room :first")
    alice.send("PRIVMSG #room :meanwhile")
    assert bob.expect("PRIVMSG").params == ("#room", "meanwhile")
    alice.send("@batch=m PRIVMSG #room :second\r\nBATCH -m")
    assert [m.params[1] for m in read_batch(bob)[1]] == ["first", "second"]
    assert [m.params[1] for m in only(carol.sync(), "PRIVMSG")] == [
        "meanwhile", "first", "second"]


def test_a_batch_to_a_nick_reaches_both_kinds_and_both_views_of_history(
    connect: Connect,
) -> None:
    alice, bob, carol = connect("alice", caps=MULTI), connect("bob", caps=MULTI), connect(
        "carol", caps=PLAIN)
    alice.send(batch_lines("p", "bob", ["one", "two"]))
    start, inner, _ = read_batch(bob)
    assert start.params[1:] == ("draft/multiline", "bob")
    assert [m.params for m in inner] == [("bob", "one"), ("bob", "two")]
    echo = read_batch(alice)[0]
    assert echo.tags["msgid"] == start.tags["msgid"]
    alice.send(batch_lines("q", "CAROL", ["three", "four"]))
    assert [carol.expect("PRIVMSG").params for _ in range(2)] == [
        ("carol", "three"), ("carol", "four")]
    assert [m.params[1] for m in read_batch(alice)[1]] == ["three", "four"]  # the echo
    for client, peer in ((alice, "bob"), (bob, "alice")):
        replies = said(client, f"CHATHISTORY LATEST {peer} * 10")
        assert [m.params[1] for m in replies[1:-1] if m.command == "PRIVMSG"] == ["one", "two"]
    replies = said(carol, "CHATHISTORY LATEST alice * 10")
    assert [m.params[1] for m in only(replies, "PRIVMSG")] == ["three", "four"]


def test_echo_carries_the_label_on_the_batch_start_and_the_delivery_does_not(
    connect: Connect,
) -> None:
    alice, bob, _ = room(connect)
    replies = said(alice, batch_lines("e", "#room", ["a", "b"], start_tags="label=L1"))
    assert not only(replies, "ACK")
    start = replies[0]
    assert start.command == "BATCH" and start.params[1] == "draft/multiline"
    assert start.tags["label"] == "L1"
    assert [m.params[1] for m in replies[1:-1]] == ["a", "b"]
    assert all("label" not in m.tags for m in replies[1:])
    assert "label" not in read_batch(bob)[0].tags
    (fail,) = said(alice, batch_lines("f", "#room", ["", ""], start_tags="label=L2"))
    assert fail.command == "FAIL" and fail.tags["label"] == "L2"
    quiet = connect("quiet", caps=("draft/multiline", "batch", "labeled-response"))
    said(quiet, "JOIN #room")
    (ack,) = said(quiet, batch_lines("g", "#room", ["a", "b"], start_tags="label=L3"))
    assert ack.command == "ACK" and ack.tags["label"] == "L3"  # no echo-message: an ACK
    alice.sync()  # quiet's message
    # to itself: the delivered copy unlabeled, the echo labeled
    replies = said(alice, batch_lines("s", "alice", ["me", "too"], start_tags="label=L4"))
    starts = [m for m in replies if m.command == "BATCH" and m.params[0][0] == "+"]
    assert [m.tags.get("label") for m in starts] == [None, "L4"]


def test_a_batch_never_closed_is_dropped_at_the_line_limit(connect: Connect) -> None:
    alice, bob, carol = room(connect)
    alice.send("BATCH +n draft/multiline #room")
    for i in range(MAX_LINES + 20):  # never closed; what comes after the limit is ignored
        alice.send(f"@batch=n PRIVMSG #room :line {i}")
    (fail,) = only(alice.sync(), "FAIL")
    assert fail.params[1:3] == ("MULTILINE_MAX_LINES", str(MAX_LINES))
    assert said(alice, "BATCH -n") == []  # its end, late: ignored too
    for client in (bob, carol):
        assert not only(client.sync(), "PRIVMSG")


def test_history_replays_one_message_as_a_batch_or_as_lines_after_a_restart(
    start_server: StartServer,
) -> None:
    server = start_server()
    with Clients(server.port) as clients:
        alice = clients.open("alice", caps=MULTI)
        said(alice, "JOIN #room")
        alice.send(batch_lines("h", "#room", ["hello", "", "how is ", "everyone?"],
                               concat=(3,), start_tags="+reply=xyz"))
        live = read_batch(alice)[0]
        said(alice, "PRIVMSG #room :after")
    data_dir = server.stderr_path.parent
    server.stop(signal.SIGTERM)
    server = start_server(data_dir=data_dir)
    with Clients(server.port) as clients:
        multi, plain = clients.open("bob", caps=MULTI), clients.open("carol", caps=PLAIN)
        for client in (multi, plain):
            said(client, "JOIN #room")
        multi.sync()  # carol's JOIN
        replies = said(multi, "CHATHISTORY LATEST #room * 2")
        outer = replies[0].params[0][1:]
        start, *inner, end, after, _ = replies[1:]
        assert start.command == "BATCH" and start.params[1:] == ("draft/multiline", "#room")
        assert start.tags["batch"] == outer and end.tags["batch"] == outer
        assert end.params == (f"-{start.params[0][1:]}",)
        assert (start.tags["msgid"], start.tags["time"]) == (live.tags["msgid"],
                                                             live.tags["time"])
        assert start.tags["+reply"] == "xyz"
        assert [(m.params[1], "draft/multiline-concat" in m.tags) for m in inner] == [
            ("hello", False), ("", False), ("how is ", False), ("everyone?", True)]
        assert after.params == ("#room", "after")
        replies = said(plain, "CHATHISTORY LATEST #room * 2")
        lines = only(replies, "PRIVMSG")
        assert [m.params[1] for m in lines] == ["hello", "how is ", "everyone?", "after"]
        assert [m.tags.get("msgid") for m in lines[:3]] == [live.tags["msgid"], None, None]
        assert all(m.tags["batch"] == replies[0].params[0][1:] for m in lines)


def test_a_whole_batch_sent_at_once_passes_flood_control(start_server: StartServer) -> None:
    with Clients(start_server(flood_control=True).port) as clients:
        alice, bob = clients.open("alice", caps=MULTI), clients.open("bob", caps=MULTI)
        for client in (alice, bob):
            said(client, "JOIN #room")
        alice.send(batch_lines("big", "#room", [f"l{i}" for i in range(MAX_LINES)]))
        assert len(read_batch(bob)[1]) == MAX_LINES  # no Excess Flood, no waiting first


# ------------------------------------------------------------------ on the core, no sockets
def test_a_batch_costs_its_lines_when_it_ends() -> None:
    core, clock = make_core(burst=10, rate=4, max_queued=100)
    caps = "CAP REQ :draft/multiline batch"
    alice, rec = join(core, "alice", caps, "CAP END")
    _, bob_rec = join(core, "bob")
    clock.now += 10  # a full bucket
    chunk = batch_lines("b", "#c", [f"l{i}" for i in range(MAX_LINES)]) + "\r\nPING after\r\n"
    delay = core.receive(alice, chunk.encode())
    assert len(bob_rec.lines()) == MAX_LINES  # delivered at once
    assert not any("PONG" in line for line in rec.lines())
    assert delay is not None and delay > (MAX_LINES - 10) / 4  # its lines, paid after
    clock.now += delay
    assert core.process(alice) is None
    assert rec.lines()[-1].endswith("PONG core.test :after")


def test_a_batch_left_open_times_out_and_what_follows_of_it_is_ignored() -> None:
    core, clock = make_core()
    alice, rec = join(core, "alice", "CAP REQ :draft/multiline batch", "CAP END")
    _, bob_rec = join(core, "bob")
    rec.chunks.clear()  # bob's JOIN
    core.receive(alice, b"BATCH +t draft/multiline #c\r\n@batch=t PRIVMSG #c :held\r\n")
    clock.now += 10
    core.tick()
    assert rec.lines() == []
    clock.now += 25
    core.tick()
    assert rec.lines() == [":core.test FAIL BATCH TIMEOUT t :Batch left open too long"]
    core.receive(alice, b"@batch=t PRIVMSG #c :late\r\nBATCH -t\r\nPING x\r\n")
    assert rec.lines()[1:] == [":core.test PONG core.test :x"]
    assert bob_rec.lines() == []
    assert core.batches == {}
