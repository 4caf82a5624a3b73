"""Bad input and abuse over real sockets: the offender gets the right answer, and a second
client keeps chatting."""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.protocol.framing import MAX_BUFFER, MAX_TAG_SECTION
from tests.conftest import StartServer
from tests.support import ROOT, TIMEOUT, Clients, IrcClient, ServerProcess

Connect = Callable[..., IrcClient]


def assert_still_chatting(sender: IrcClient, receiver: IrcClient, channel: str = "#room") -> None:
    sender.send(f"PRIVMSG {channel} :still here")
    msg = receiver.expect("PRIVMSG")
    assert msg.params == (channel, "still here")


def pair_in_room(connect: Connect) -> tuple[IrcClient, IrcClient]:
    alice, bob = connect("alice"), connect("bob")
    for client in (alice, bob):
        client.send("JOIN #room")
        client.sync()
    alice.sync()
    return alice, bob


def test_line_over_512_bytes_gets_417_and_the_client_stays(connect: Connect) -> None:
    alice, bob = pair_in_room(connect)
    alice.send("PRIVMSG #room :" + "x" * 600)
    replies = alice.sync()
    assert [m.command for m in replies] == ["417"]
    assert "PRIVMSG" not in [m.command for m in bob.sync()]
    assert_still_chatting(alice, bob)


def test_a_line_of_exactly_512_bytes_is_accepted(connect: Connect) -> None:
    alice, bob = pair_in_room(connect)
    head = "PRIVMSG #room :"
    text = "y" * (510 - len(head))
    alice.send(head + text)
    assert bob.expect("PRIVMSG").params == ("#room", text)


def test_client_tags_over_4094_bytes_get_417(connect: Connect) -> None:
    alice = connect("alice", caps=("message-tags",))
    bob = connect("bob", caps=("message-tags",))
    for client in (alice, bob):
        client.send("JOIN #room")
        client.sync()
    alice.sync()
    alice.send("@+big=" + "v" * 4100 + " PRIVMSG #room :tagged")
    assert [m.command for m in alice.sync()] == ["417"]
    alice.send("@+small=" + "v" * 100 + " PRIVMSG #room :tagged")
    msg = bob.expect("PRIVMSG")
    assert msg.tags["+small"] == "v" * 100
    assert_still_chatting(alice, bob)


def test_more_than_a_legal_line_without_newline_disconnects_with_error(connect: Connect) -> None:
    alice, bob = pair_in_room(connect)
    alice.send_raw(b"PRIVMSG #room :" + b"z" * (MAX_BUFFER - 15))  # 8,703 bytes: one too many
    lines = alice.until_closed()
    assert lines == ["ERROR :Input line too long (no line ending)"]
    quit_msg = bob.expect("QUIT")
    assert quit_msg.source is not None and quit_msg.source.startswith("alice!")
    carol = connect("carol")
    carol.send("JOIN #room")
    carol.sync()
    assert_still_chatting(carol, bob)


def test_the_longest_legal_line_may_arrive_slowly_and_the_client_stays(connect: Connect) -> None:
    alice, bob = pair_in_room(connect)
    tags = b"@+big=" + b"v" * (MAX_TAG_SECTION - 7) + b" "  # 8,191 bytes of tags
    line = tags + b"PRIVMSG #room :" + b"w" * (510 - 15) + b"\r"
    assert len(line) == MAX_BUFFER - 1
    alice.send_raw(line)  # all but its LF: the most a connection may hold unfinished
    alice.send_raw(b"\n")
    assert [m.command for m in alice.sync()] == ["417"]  # the client tags are over 4094
    assert_still_chatting(alice, bob)


def _rss_kib(pid: int) -> int:
    found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert found is not None
    return int(found.group(1))


def _wait_until_read(port: int, count: int, timeout: float = TIMEOUT) -> None:
    """Until the server holds ``count`` connections on ``port`` with nothing left unread in
    their kernel buffers. Polled: /proc/net/tcp is the only place that tells."""
    deadline = time.monotonic() + timeout
    while True:
        queued, held = 0, 0
        for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "01":
                held += 1
                queued += int(fields[4].rpartition(":")[2], 16)
        if held == count and queued == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{held} connections, {queued} bytes unread after {timeout} s")
        time.sleep(0.05)


def test_1000_unfinished_lines_cost_the_server_under_16_mib(start_server: StartServer) -> None:
    """A connection holds at most one legal line's worth unfinished: 1,000 of them sending
    8,000 bytes each cost about 8 MiB of buffers, and the connections themselves about 4."""
    count, want = 1000, 2 * 1000 + 200
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.fail(f"this test needs {want} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the server inherits it
    socks: list[socket.socket] = []
    try:
        server = start_server("--max-connections-per-address", "0")
        before = _rss_kib(server.proc.pid)
        socks = [socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
                 for _ in range(count)]
        for sock in socks:
            sock.sendall(b"PING :up\r\n")
        for sock in socks:  # the server has taken every one
            got = b""
            while b"PONG" not in got:
                chunk = sock.recv(512)
                assert chunk, "closed"
                got += chunk
        for sock in socks:
            sock.sendall(b"PRIVMSG #room :" + b"u" * (8000 - 15))
        _wait_until_read(server.port, count)
        grown = _rss_kib(server.proc.pid) - before
        assert grown < 16 * 1024, f"{grown} KiB for {count} connections"
        over = socks[0]
        over.sendall(b"u" * (MAX_BUFFER - 8000))  # past the cap: not a line any more
        got = b""
        while chunk := over.recv(4096):
            got += chunk
        assert got.endswith(b"ERROR :Input line too long (no line ending)\r\n")
    finally:
        for sock in socks:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_bare_lf_crlf_nul_and_invalid_utf8_never_break_the_server(connect: Connect) -> None:
    alice, bob = pair_in_room(connect)
    alice.send_raw(b"PRIVMSG #room :bare lf\nPRIVMSG #room :crlf\r\n")
    assert bob.expect("PRIVMSG").params[1] == "bare lf"
    assert bob.expect("PRIVMSG").params[1] == "crlf"
    alice.send_raw(b"PRIVMSG #room :nul\x00byte\r\n")
    assert [m.command for m in alice.sync()] == ["400"]
    alice.send_raw(b"PRIVMSG #room :caf\xe9 \xff\xfe\r\n")  # UTF8ONLY: refused, not relayed
    assert [m.params[:2] for m in alice.sync()] == [("PRIVMSG", "INVALID_UTF8")]
    assert bob.sync() == []
    alice.send_raw(b"\r\n\n   \r\n")
    assert alice.sync() == []
    assert_still_chatting(alice, bob)


def test_invalid_utf8_in_nick_is_refused_with_432(connect: Connect) -> None:
    client = connect()
    client.send_raw(b"NICK caf\xe9\r\n")
    assert client.expect("432").command == "432"
    client.register("cafe")


@pytest.fixture
def flood_connect(start_server: StartServer) -> Iterator[Connect]:
    """Like ``connect``, to a server with flood control on (as in production)."""
    with Clients(start_server(flood_control=True).port) as clients:
        yield clients.open


def test_flood_control_delays_a_burst_but_delivers_it(flood_connect: Connect) -> None:
    alice, bob = pair_in_room(flood_connect)
    started = time.monotonic()
    alice.send_raw(b"".join(b"PRIVMSG #room :line %d\r\n" % i for i in range(20)))
    texts = [bob.expect("PRIVMSG", timeout=15).params[1] for _ in range(20)]
    assert texts == [f"line {i}" for i in range(20)]
    # 20 lines at once is beyond the burst: some were held back, none was dropped.
    assert time.monotonic() - started > 1.0
    assert_still_chatting(bob, alice)


def test_sustained_flood_ends_with_excess_flood(flood_connect: Connect) -> None:
    alice, bob = pair_in_room(flood_connect)
    alice.send_raw(b"".join(b"PRIVMSG #room :flood %d\r\n" % i for i in range(500)))
    assert alice.until_closed(timeout=15)[-1] == "ERROR :Excess Flood"
    assert bob.expect("QUIT").params == ("Excess Flood",)
    carol = flood_connect("carol")
    carol.send("JOIN #room")
    carol.sync()
    assert_still_chatting(carol, bob)


def test_slow_reader_is_dropped_with_sendq_exceeded_and_others_are_not_delayed(
    server: ServerProcess, connect: Connect,
) -> None:
    slow = IrcClient(server.port, rcvbuf=4096)  # registers, joins, then never reads
    slow.register("slow")
    slow.send("JOIN #room")
    slow.sync()
    talker, reader = connect("talker"), connect("reader")
    for client in (talker, reader):
        client.send("JOIN #room")
        client.sync()
    text = "s" * 400
    batch = b"".join(b"PRIVMSG #room :%d %s\r\n" % (i, text.encode()) for i in range(100))
    received = 0
    deadline = time.monotonic() + 60
    quit_seen = False
    sent = 0
    while not quit_seen and time.monotonic() < deadline and sent < 100_000:
        talker.send_raw(batch)
        sent += 100
        talker.sync()  # the server has handled the batch (and written it to everyone)
        for msg in reader.sync():
            if msg.command == "PRIVMSG":
                received += 1
            elif msg.command == "QUIT" and msg.source and msg.source.startswith("slow!"):
                assert msg.params == ("SendQ exceeded",)
                quit_seen = True
        # The attentive reader is never behind: everything sent so far has arrived.
        assert received == sent
    assert quit_seen, f"slow reader still connected after {sent} messages"
    assert_still_chatting(talker, reader)
    slow.close()


def test_unregistered_connection_times_out(start_server: StartServer) -> None:
    server = start_server("--registration-timeout", "1")
    idle = IrcClient(server.port)
    idle.send("NICK idle")
    lines = idle.until_closed(timeout=5)
    assert lines[-1] == "ERROR :Registration timed out"
    idle.close()


def test_ping_when_idle_and_drop_after_no_pong(start_server: StartServer) -> None:
    server = start_server("--ping-interval", "1", "--ping-timeout", "1")
    quiet, watcher = IrcClient(server.port), IrcClient(server.port)
    try:
        for client, nick in ((quiet, "quiet"), (watcher, "watch")):
            client.register(nick)
            client.send("JOIN #room")
            client.sync()
        pings = 0
        deadline = time.monotonic() + 8
        while True:  # the watcher answers every PING and stays; quiet never answers
            msg = watcher.read(timeout=max(0.1, deadline - time.monotonic()))
            if msg.command == "PING":
                assert msg.params == ("test.server",)
                pings += 1
                watcher.send(f"PONG :{msg.params[0]}")
            elif msg.command == "QUIT":
                assert msg.source and msg.source.startswith("quiet!")
                assert msg.params[0].startswith("Ping timeout")
                break
        assert pings >= 1
        lines = quiet.until_closed(timeout=5)
        assert "PING :test.server" in lines
        assert lines[-1].startswith("ERROR :") and "Ping timeout" in lines[-1]
        watcher.sync()  # still connected
    finally:
        quiet.close()
        watcher.close()


def test_connection_reset_is_a_quit_to_the_channel(connect: Connect) -> None:
    alice, bob = pair_in_room(connect)
    alice.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    alice.sock.close()  # RST
    msg = bob.expect("QUIT")
    assert msg.source is not None and msg.source.startswith("alice!")
    carol = connect("alice")  # the nick is free again
    carol.send("JOIN #room")
    carol.sync()
    assert_still_chatting(carol, bob)


def test_killed_client_process_is_a_quit_to_the_channel(connect: Connect) -> None:
    bob = connect("bob")
    bob.send("JOIN #room")
    bob.sync()
    script = (
        "import sys, time\n"
        "from tests.support import IrcClient\n"
        f"c = IrcClient({bob.port}); c.register('victim'); c.send('JOIN #room'); c.sync()\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        assert bob.expect("JOIN").source.startswith("victim!")  # type: ignore[union-attr]
        os.kill(proc.pid, signal.SIGKILL)
        msg = bob.expect("QUIT", timeout=TIMEOUT)
        assert msg.source is not None and msg.source.startswith("victim!")
    finally:
        proc.kill()
        proc.wait(TIMEOUT)
        if proc.stdout:
            proc.stdout.close()
