"""DCC SEND between two Chatbox sessions over our server: files arrive whole (checksums),
passive DCC, a refused offer, a 100 MB transfer cut in the middle and resumed, a
malicious file name saved safely, and offers from strangers ignored."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.client.session import ChatSession
from app.client.transfer import Transfer, unique_path
from app.protocol.dcc import safe_name
from tests.client.conftest import MakeSession
from tests.support import random_file, sha256


def pair(session: MakeSession) -> tuple[ChatSession, ChatSession]:
    """alice and bob, in one room (offers from strangers are ignored)."""
    alice = session("alice", channels=("#files",))
    bob = session("bob", channels=("#files",))
    return alice, bob


def offered(qtbot: QtBot, receiver: ChatSession, send: object) -> Transfer:
    with qtbot.waitSignal(receiver.dcc.offer_received, timeout=5000) as offer:
        send()  # type: ignore[operator]
    transfer = offer.args[0]
    assert isinstance(transfer, Transfer)
    return transfer


def test_a_file_arrives_whole_and_both_sides_see_it_done(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    source = random_file(tmp_path / "holiday photo.jpg", 3_000_000)
    sent: list[Transfer] = []
    incoming = offered(qtbot, bob, lambda: sent.append(alice.send_file("bob", source)))
    assert incoming.name == "holiday photo.jpg" and incoming.size == 3_000_000
    assert incoming.nick == "alice"
    assert "alice offers the file holiday photo.jpg (3.0 MB)." in [
        ln.text for ln in bob.rooms.get("alice").messages.lines()  # type: ignore[union-attr]
    ]
    target = tmp_path / "in" / "photo.jpg"
    target.parent.mkdir()
    bob.dcc.accept(incoming, target)
    qtbot.waitUntil(lambda: incoming.state == "done" and sent[0].state == "done", timeout=10000)
    assert sha256(target) == sha256(source)
    assert incoming.done == sent[0].done == 3_000_000


def test_passive_dcc_the_receiver_listens_and_the_sender_connects(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    source = random_file(tmp_path / "notes.txt", 200_000)
    sent: list[Transfer] = []
    incoming = offered(qtbot, bob,
                       lambda: sent.append(alice.dcc.send_file("bob", source, passive=True)))
    assert incoming.offer.passive and incoming.offer.port == 0
    bob.dcc.accept(incoming, tmp_path / "got.txt")
    qtbot.waitUntil(lambda: incoming.state == "done" and sent[0].state == "done", timeout=10000)
    assert sha256(tmp_path / "got.txt") == sha256(source)


def test_a_refused_offer_tells_the_sender(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    sent: list[Transfer] = []
    incoming = offered(qtbot, bob, lambda: sent.append(
        alice.send_file("bob", random_file(tmp_path / "big.iso", 10_000))))
    bob.dcc.reject(incoming)
    assert incoming.state == "refused"
    qtbot.waitUntil(lambda: sent[0].state == "refused", timeout=5000)
    assert sent[0].reason == "bob declined it"
    assert sent[0].server is not None and not sent[0].server.isListening()  # nothing left open


def test_a_100_mb_transfer_cut_in_the_middle_resumes_where_it_stopped(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    size = 100 * 1024 * 1024
    source = random_file(tmp_path / "video.mkv", size)
    target = tmp_path / "video.mkv.part"
    first: list[Transfer] = []
    incoming = offered(qtbot, bob, lambda: first.append(alice.send_file("bob", source)))
    bob.dcc.accept(incoming, target)
    qtbot.waitUntil(lambda: incoming.done > size // 3, timeout=30000)
    assert incoming.sock is not None
    incoming.sock.abort()  # the link breaks in the middle
    qtbot.waitUntil(lambda: incoming.state == "failed" and first[0].state == "failed",
                    timeout=10000)
    partial = target.stat().st_size
    assert size // 3 < partial < size
    again = offered(qtbot, bob, lambda: alice.send_file("bob", source))  # offered again
    second = alice.dcc.transfers[-1]
    bob.dcc.accept(again, target, resume=True)  # DCC RESUME → ACCEPT → the rest
    qtbot.waitUntil(lambda: again.state == "done" and second.state == "done", timeout=60000)
    assert second.start_at == partial  # only the rest crossed the wire
    assert sha256(target) == sha256(source)


def test_a_malicious_file_name_is_saved_inside_the_chosen_folder(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    payload = random_file(tmp_path / "payload", 1000)
    offers: list[Transfer] = []
    bob.dcc.offer_received.connect(offers.append)
    transfer = alice.send_file("bob", payload)
    assert transfer is not None
    qtbot.waitUntil(lambda: len(offers) == 1)  # the honest offer, left unanswered; then one
    # for the same port whose name climbs out of the download folder
    port = transfer.offer.port
    alice._send_ctcp("bob", f"\x01DCC SEND ../../.bashrc 2130706433 {port} 1000\x01")
    qtbot.waitUntil(lambda: len(offers) == 2)
    incoming = offers[1]
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    name = safe_name(incoming.name)
    assert name == "bashrc" and incoming.name == "../../.bashrc"
    (downloads / name).write_text("already here")
    target = unique_path(downloads, name)  # never over an existing file
    assert target == downloads / "bashrc (2)"
    bob.dcc.accept(incoming, target)
    qtbot.waitUntil(lambda: incoming.state == "done", timeout=10000)
    assert (downloads / "bashrc").read_text() == "already here"
    assert sha256(target) == sha256(payload)
    assert not (tmp_path.parent / ".bashrc").exists() and not (tmp_path / ".bashrc").exists()


def test_offers_from_strangers_are_ignored_unless_allowed(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    stranger = session("mallory")
    bob = session("bob", channels=("#files",))
    offers: list[Transfer] = []
    bob.dcc.offer_received.connect(offers.append)
    stranger.send_file("bob", random_file(tmp_path / "free.exe", 100))
    qtbot.waitUntil(lambda: any("mallory (in none of your rooms) offered a file" in ln.text
                                for ln in bob.rooms.get("Server").messages.lines()))  # type: ignore[union-attr]
    assert offers == []
    bob.files_from_strangers = True
    stranger.send_file("bob", tmp_path / "free.exe")
    qtbot.waitUntil(lambda: len(offers) == 1)
    assert offers[0].risky  # an executable: the receiver is warned


def test_dcc_send_command_offers_a_file(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    source = random_file(tmp_path / "a b.txt", 10)
    incoming = offered(qtbot, bob, lambda: alice.send_input(f"/dcc send bob {source}", "#files"))
    assert incoming.name == "a b.txt"
    alice.send_input("/dcc send bob /no/such/file", "#files")
    assert "No such file: /no/such/file" in [
        ln.text for ln in alice.rooms.get("#files").messages.lines()  # type: ignore[union-attr]
    ]


def test_an_offer_above_the_limit_is_refused_with_the_reason(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    alice, bob = pair(session)
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#files").members.nicks())  # type: ignore[union-attr]
    bob.dcc.max_size = 500
    asked: list[Transfer] = []
    bob.dcc.offer_received.connect(asked.append)
    sent = alice.send_file("bob", random_file(tmp_path / "big.iso", 1000))
    assert sent is not None
    qtbot.waitUntil(lambda: sent.state == "refused", timeout=5000)  # told at once
    (kept,) = bob.dcc.transfers
    assert kept.state == "refused" and kept.reason == "larger than the 500 bytes allowed"
    assert asked == []  # never put to the user
