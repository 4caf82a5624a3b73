"""DCC SEND between Chatbox and Debian's irssi (1.4.3), both ways, passive, and resumed.

A :class:`ChatSession` (alice) and irssi share a room on a Chatbox server running in this
process. That server lives on the test's Qt event loop, as alice does, so every wait on irssi
is a ``qtbot.waitUntil`` over irssi's log file: the loop keeps turning (the server relays,
alice's sockets move bytes) while the test waits. Never a bare sleep here: it would freeze
the server that irssi talks to.

irssi runs in a tmux server of its own with a config in a temporary home: its downloads go
to a temporary folder and everything it prints goes to one log file, which the tests read.
What irssi sends over IRC is recorded from alice's side, so the CTCP lines are checked as they
arrived. Files are random and compared by SHA-256.

What irssi does, as seen here: it offers ``SEND "name with space" <ip> <port> <size>``
(quoted only when there is a space); a passive offer is ``SEND name 16843009 0 <size> <id>``
(1.1.1.1 as a placeholder, an id of 0-63); it reads a passive token with atoi(), so a token
must be decimal; it asks ``RESUME name <port> <position>`` and agrees with ``ACCEPT`` of the
same fields; and it acknowledges every read with a 4-byte count.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.client.session import ChatSession
from app.client.transfer import Transfer
from app.protocol.ctcp import parse_ctcp
from app.protocol.dcc import safe_name
from app.protocol.message import Message
from app.server.listener import ChatServer
from tests.client.conftest import SESSIONS
from tests.interop.drivers import Tmux, read_text, require
from tests.support import random_file, sha256

pytestmark = pytest.mark.interop

CHANNEL = "#files"
IRSSI = "irssiuser"
INSTALL = "irssi tmux"  # a missing client fails the run in CI and skips it elsewhere
SIZE = 5 * 1024 * 1024
WAIT_MS = 15_000
LOCALHOST = str(0x7F000001)  # 127.0.0.1 as DCC writes it

_CONFIG = """\
servers = (
  {{ address = "127.0.0.1"; port = "{port}"; chatnet = "chatbox"; use_tls = "no";
    autoconnect = "yes"; }}
);
chatnets = {{ chatbox = {{ type = "IRC"; }}; }};
channels = ( {{ name = "{channel}"; chatnet = "chatbox"; autojoin = "yes"; }} );
settings = {{
  core = {{ nick = "{nick}"; user_name = "{nick}"; real_name = "Irssi DCC";
    settings_autosave = "no"; }};
  "irc/core" = {{ cmd_queue_speed = "0"; }};
  "irc/dcc" = {{ dcc_download_path = "{downloads}"; dcc_autoget = "no"; }};
}};
logs = {{ "{log}" = {{ auto_open = "yes"; level = "ALL"; }}; }};
"""






@dataclass
class Irssi:
    """irssi in tmux, in ``CHANNEL`` with alice; ``ctcps`` are the DCC CTCPs alice got from it.

    One log file holds all irssi prints (DCC lines go to the status window, not a channel's).
    """

    qtbot: QtBot
    tmux: Tmux
    log: Path
    downloads: Path
    alice: ChatSession
    ctcps: list[str] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def run(cls, qtbot: QtBot, port: int, home: Path, alice: ChatSession) -> Iterator[Irssi]:
        irssi = require("irssi", INSTALL, skip_outside_ci=True)
        tmux = require("tmux", INSTALL, skip_outside_ci=True)
        downloads, log = home / "downloads", home / "irssi.log"
        downloads.mkdir(parents=True)
        (home / "config").write_text(_CONFIG.format(
            port=port, channel=CHANNEL, nick=IRSSI, downloads=downloads, log=log))
        with Tmux.start(tmux, shlex.join([irssi, f"--home={home}"]), home, "irssi") as session:
            client = cls(qtbot, session, log, downloads, alice)
            alice.connection.message_received.connect(client._on_alice_message)
            try:
                yield client
            finally:
                alice.connection.message_received.disconnect(client._on_alice_message)

    def _on_alice_message(self, msg: Message) -> None:
        if msg.command == "PRIVMSG" and (msg.source or "").partition("!")[0] == IRSSI:
            ctcp = parse_ctcp(msg.param(1))
            if ctcp is not None and ctcp[0] == "DCC":
                self.ctcps.append(ctcp[1])

    def type(self, line: str) -> None:
        """Type ``line`` and Enter (DCC commands name their nick, so any window will do)."""
        self.tmux.keys(line, literal=True)
        self.tmux.keys("Enter")

    def describe(self) -> str:
        transfers = "\n".join(
            f"  {t.direction} {t.name!r} {t.state} {t.done}/{t.size} {t.reason}"
            for t in self.alice.dcc.transfers
        )
        return (f"--- irssi log ---\n{read_text(self.log)}\n--- irssi screen ---\n"
                f"{self.tmux.screen()}\n--- DCC CTCPs from irssi ---\n"
                + "\n".join(self.ctcps) + f"\n--- Chatbox transfers ---\n{transfers}")

    def wait(self, probe: Callable[[], bool], what: str) -> None:
        """Turn the Qt loop until ``probe()``; fail showing both ends at the deadline."""
        try:
            self.qtbot.waitUntil(probe, timeout=WAIT_MS)
        except self.qtbot.TimeoutError:
            pytest.fail(f"no {what} within {WAIT_MS / 1000:g} s; saw:\n{self.describe()}")

    def wait_for_line(self, *needles: str) -> str:
        """The first line of irssi's log that holds every needle, once there is one."""
        found: list[str] = []

        def probe() -> bool:
            lines = read_text(self.log).splitlines()
            found.extend(line for line in lines if all(n in line for n in needles))
            return bool(found)

        self.wait(probe, f"irssi line with {needles!r}")
        return found[0]

    def wait_for_ctcp(self, count: int = 1) -> str:
        self.wait(lambda: len(self.ctcps) >= count, f"DCC CTCP number {count} from irssi")
        return self.ctcps[count - 1]

    def wait_done(self, transfer: Transfer) -> None:
        """Until the Chatbox end of ``transfer`` ends; it must end "done"."""
        self.wait(lambda: not transfer.active, f"end of the Chatbox {transfer.direction}")
        assert transfer.state == "done", f"{transfer.reason}\n{self.describe()}"



@pytest.fixture
def alice(qtbot: QtBot, chat_server: ChatServer) -> Iterator[ChatSession]:
    """A ChatSession in ``CHANNEL``: it takes offers only from people in its rooms."""
    chat = ChatSession()
    SESSIONS.append(chat)  # kept for the whole run (see tests/client/conftest.py)
    chat.autojoin = [CHANNEL]
    with qtbot.waitSignal(chat.connection.registered, timeout=WAIT_MS):
        chat.connection.connect_to("127.0.0.1", chat_server.port, "alice")
    qtbot.waitUntil(lambda: chat.rooms.get(CHANNEL) is not None, timeout=WAIT_MS)
    yield chat
    chat.dcc.shutdown()
    chat.connection.quit()


@pytest.fixture
def irssi(
    qtbot: QtBot, chat_server: ChatServer, alice: ChatSession, tmp_path: Path
) -> Iterator[Irssi]:
    with Irssi.run(qtbot, chat_server.port, tmp_path / "irssi", alice) as client:
        room = alice.rooms.get(CHANNEL)
        assert room is not None
        client.wait(lambda: room.members.find(IRSSI) is not None, f"{IRSSI} in {CHANNEL}")
        client.wait_for_line(f"Join to {CHANNEL} was synced")
        yield client


def offered_to_alice(alice: ChatSession, irssi: Irssi, command: str) -> Transfer:
    """Type ``command`` (a /dcc send) into irssi; the Transfer alice is offered."""
    offers: list[Transfer] = []
    alice.dcc.offer_received.connect(offers.append)
    irssi.type(command)
    irssi.wait(lambda: bool(offers), "offer in Chatbox")
    alice.dcc.offer_received.disconnect(offers.append)
    return offers[0]


def test_chatbox_sends_a_file_to_irssi(
    alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "holiday photo.jpg", SIZE)
    sent = alice.send_file(IRSSI, source)
    assert sent is not None
    # Chatbox quotes a name with a space; irssi shows it without the quotes.
    offer = irssi.wait_for_line("DCC SEND from alice", "holiday photo.jpg")
    assert f"[127.0.0.1 port {sent.offer.port}]" in offer, offer

    irssi.type("/dcc get alice")
    irssi.wait_done(sent)  # irssi acknowledged every byte
    irssi.wait_for_line("DCC received file", "holiday photo.jpg", "from alice")
    assert sha256(irssi.downloads / "holiday photo.jpg") == sha256(source)
    assert sent.done == SIZE and sent.start_at == 0


def test_irssi_sends_a_file_to_chatbox(
    alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "irssi-files" / "scan 07.png", SIZE)
    incoming = offered_to_alice(alice, irssi, f'/dcc send alice "{source}"')
    port = incoming.offer.port
    assert irssi.ctcps == [f'SEND "scan 07.png" {LOCALHOST} {port} {SIZE}']
    assert (incoming.nick, incoming.name, incoming.size) == (IRSSI, "scan 07.png", SIZE)
    assert incoming.offer.host == "127.0.0.1" and not incoming.offer.passive

    target = tmp_path / "Downloads" / safe_name(incoming.name)
    target.parent.mkdir()
    alice.dcc.accept(incoming, target)
    irssi.wait_done(incoming)
    irssi.wait_for_line("DCC sent file", "scan 07.png", "for alice")
    assert sha256(target) == sha256(source)


def test_irssi_sends_a_file_to_chatbox_passively(
    alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "irssi-files" / "behind-nat.tar", SIZE)
    incoming = offered_to_alice(alice, irssi, f"/dcc send -passive alice {source}")
    # irssi's passive offer: the address 1.1.1.1 (a placeholder), port 0, and an id (0-63).
    token = incoming.offer.token
    assert irssi.ctcps == [f"SEND behind-nat.tar 16843009 0 {SIZE} {token}"]
    assert incoming.offer.passive and token.isdecimal() and int(token) < 64

    target = tmp_path / "Downloads" / "behind-nat.tar"
    target.parent.mkdir()
    alice.dcc.accept(incoming, target)  # alice listens, answers with her port; irssi connects
    irssi.wait_done(incoming)
    irssi.wait_for_line("DCC sent file", "behind-nat.tar", "for alice")
    assert sha256(target) == sha256(source)


def test_irssi_resumes_a_file_chatbox_sends(
    alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "video.mkv", SIZE)
    partial = 2_000_000
    (irssi.downloads / "video.mkv").write_bytes(source.read_bytes()[:partial])
    sent = alice.send_file(IRSSI, source)
    assert sent is not None
    irssi.wait_for_line("DCC SEND from alice", "video.mkv")

    irssi.type("/dcc resume alice")
    assert irssi.wait_for_ctcp() == f"RESUME video.mkv {sent.offer.port} {partial}"
    irssi.wait_done(sent)  # after ACCEPT irssi connects and takes the rest
    irssi.wait_for_line("DCC received file", "video.mkv", "from alice")
    assert sent.start_at == partial  # only the rest crossed the wire
    assert sha256(irssi.downloads / "video.mkv") == sha256(source)


def test_chatbox_sends_a_file_to_irssi_passively(
    alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "behind-nat.tar", SIZE)
    sent = alice.dcc.send_file(IRSSI, source, passive=True)
    irssi.wait_for_line("DCC SEND from alice", "behind-nat.tar")

    irssi.type("/dcc get alice")  # irssi listens and answers with its port and our token
    answer = irssi.wait_for_ctcp()
    assert answer.startswith(f"SEND behind-nat.tar {LOCALHOST} "), answer
    assert answer.endswith(f" {SIZE} {sent.offer.token}"), answer
    irssi.wait_done(sent)
    irssi.wait_for_line("DCC received file", "behind-nat.tar", "from alice")
    assert sha256(irssi.downloads / "behind-nat.tar") == sha256(source)


def test_chatbox_resumes_a_file_irssi_sends(
    alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "irssi-files" / "video.mkv", SIZE)
    partial = 3_000_000
    target = tmp_path / "Downloads" / "video.mkv"
    target.parent.mkdir()
    target.write_bytes(source.read_bytes()[:partial])
    incoming = offered_to_alice(alice, irssi, f"/dcc send alice {source}")

    alice.dcc.accept(incoming, target, resume=True)  # RESUME → irssi's ACCEPT → the rest
    port = incoming.offer.port
    assert irssi.wait_for_ctcp(2) == f"ACCEPT video.mkv {port} {partial}"
    irssi.wait_done(incoming)
    irssi.wait_for_line("DCC sent file", "video.mkv", "for alice")
    assert incoming.start_at == partial
    assert sha256(target) == sha256(source)


def test_irssi_declining_an_offer_tells_chatbox(
    qtbot: QtBot, alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    sent = alice.send_file(IRSSI, random_file(tmp_path / "unwanted.zip", 1000))
    assert sent is not None
    irssi.wait_for_line("DCC SEND from alice", "unwanted.zip")
    irssi.type("/dcc close get alice")  # irssi answers with a NOTICE DCC REJECT
    irssi.wait(lambda: sent.state == "refused", "the sender's transfer is refused")
    assert sent.reason == "irssiuser declined it"


def test_chatbox_declining_an_offer_tells_irssi(
    qtbot: QtBot, alice: ChatSession, irssi: Irssi, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "spam.bin", 1000)
    offer = offered_to_alice(alice, irssi, f"/dcc send alice {source}")
    alice.dcc.reject(offer)
    irssi.wait_for_line("DCC aborted sending file spam.bin for alice")  # irssi closed it
