"""The modern conversation features against real clients from Debian, on our server process.

Typing notifications (IRCv3 client-tags/typing), both ways with WeeChat 3.8: what WeeChat
types without sending shows in a Chatbox session's :class:`~app.client.typing.TypingTracker`
("weenick is typing…"), and what the session types shows in WeeChat's bar item ``typing``
("Typing: alice"), read from a ``/debug dump`` of what WeeChat built to draw. Each side is
also seen to stop on the other's ``done``, with its own expiry held off, so that it is the
``done`` that ends it.

A paste of 30 lines: the session sends it as one draft/multiline batch (our server offers
the cap); irssi 1.4.3 and WeeChat 3.8 do not take the cap, so the server must hand each of
them 30 PRIVMSGs, shown in order, none lost.

The Chatbox sessions run on pytest-qt's event loop and are waited on with ``qtbot.waitUntil``;
the real clients give no signal, so their logs and screens are polled under a deadline
(tests/interop/drivers.py). Deadlines are generous: another suite may share the machine.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.client.lines import ChatLine
from app.client.session import ChatSession
from app.client.typing import THROTTLE_S
from tests.interop.drivers import Weechat, chat_sessions, joined, read_text, wait_for
from tests.interop.test_real_clients import CHANNEL as IRSSI_CHANNEL
from tests.interop.test_real_clients import Irssi
from tests.support import ServerProcess

pytestmark = pytest.mark.interop

ROOM = "#room"
INSTALL = "weechat-headless irssi tmux"
WAIT_MS = 60_000
WAIT_S = WAIT_MS / 1000
WEENICK = "weenick"
PASTE = [f"line {n:02}" for n in range(1, 31)]

MakeSession = Callable[..., ChatSession]


@pytest.fixture
def session(qtbot: QtBot, server: ServerProcess) -> Iterator[MakeSession]:
    """``session("alice", channels=(...))``: a ChatSession registered on ``server``."""
    with chat_sessions(qtbot, "127.0.0.1", server.port, WAIT_MS) as make:
        yield make


@contextlib.contextmanager
def _weechat(home: Path, server: ServerProcess, channel: str) -> Iterator[Weechat]:
    """WeeChat as ``weenick`` in ``channel``, telling and showing typing.

    Every ``typing_set_nick`` signal (the irc plugin telling the typing plugin who types in
    which buffer) is printed to the core buffer by a trigger, so its log says when a
    notification has come in; only then is the bar item read, a dump being costly."""
    before = (
        "/set typing.look.enabled_self on",  # ours: the typing plugin watches the input
        "/set irc.look.typing_status_self on",  # ... and the irc plugin sends it as TAGMSG
        "/set typing.look.enabled_nicks on",  # others': shown in the bar item "typing"
        "/set irc.look.typing_status_nicks on",  # ... from their TAGMSGs
        # Others' "active" kept 120 s rather than 6: only a "done" ends it in time.
        "/set typing.look.delay_purge_typing 120",
        # Startup commands are evaluated: ${raw:…} leaves ${tg_signal_data} to the trigger.
        '/trigger add typing_seen signal typing_set_nick "" "" '
        '"/print -core typing_set_nick ${raw:${tg_signal_data}}"',
    )
    options = {"nicks": WEENICK, "autojoin": channel}
    with Weechat.run(home, f"127.0.0.1/{server.port}", options, install=INSTALL,
                     before=before) as weechat:
        wait_for(lambda: channel in weechat.buffer_log(f"irc.chatbox.{channel}"),
                 f"WeeChat in {channel}", weechat.log, timeout=WAIT_S)
        yield weechat


def _typing_signal(weechat: Weechat, state: str, nick: str) -> bool:
    """Whether WeeChat's irc plugin has told its typing plugin ``nick``'s ``state``
    (typing, paused or off), as the trigger prints it (``0x…;typing;alice``)."""
    return f";{state};{nick}" in weechat.buffer_log("core.weechat")


def _typing_item_shows(weechat: Weechat, nick: str) -> bool:
    return re.search(rf"Typing: {re.escape(nick)}\b", weechat.bar_item("typing")) is not None


def _messages(chat: ChatSession, room: str) -> list[ChatLine]:
    found = chat.rooms.get(room)
    assert found is not None
    return [ln for ln in found.messages.lines() if ln.kind == "message"]


# typing ---------------------------------------------------------------------------------


def test_weechat_typing_shows_in_a_chatbox_session_until_it_clears_its_input(
    qtbot: QtBot, server: ServerProcess, session: MakeSession, tmp_path: Path
) -> None:
    alice = session("alice", channels=(ROOM,))
    frozen = alice.typing.clock()
    alice.typing.clock = lambda: frozen  # nobody's typing expires here: only "done" ends it
    with _weechat(tmp_path / "weechat", server, ROOM) as weechat:
        qtbot.waitUntil(lambda: joined(alice, ROOM, WEENICK), timeout=WAIT_MS)
        buffer = f"irc.chatbox.{ROOM}"
        weechat.say(buffer, "/input insert hello from weechat")  # typed, not sent
        qtbot.waitUntil(lambda: alice.typing.text(ROOM) == f"{WEENICK} is typing…",
                        timeout=WAIT_MS)
        assert alice.typing.typing(ROOM) == [WEENICK]

        weechat.say(buffer, "/input delete_line")  # cleared unsent: WeeChat says done
        qtbot.waitUntil(lambda: alice.typing.text(ROOM) == "", timeout=WAIT_MS)
        assert alice.typing.typing(ROOM) == []
        assert _messages(alice, ROOM) == []  # nothing was sent, only typed


def test_chatbox_typing_shows_in_weechats_typing_bar_item_until_done(
    qtbot: QtBot, server: ServerProcess, session: MakeSession, tmp_path: Path
) -> None:
    alice = session("alice", channels=(ROOM,))
    with _weechat(tmp_path / "weechat", server, ROOM) as weechat:
        qtbot.waitUntil(lambda: joined(alice, ROOM, WEENICK), timeout=WAIT_MS)
        weechat.say(f"irc.chatbox.{ROOM}", f"/buffer irc.chatbox.{ROOM}")  # its bar is this one's
        assert alice.typing.enabled
        now = [alice.typing.clock()]  # moved by hand: no "paused" while WeeChat is looked at
        alice.typing.clock = lambda: now[0]
        alice.typing.typed(ROOM, "hello weechat")
        qtbot.waitUntil(partial(_typing_signal, weechat, "typing", "alice"), timeout=WAIT_MS)
        wait_for(partial(_typing_item_shows, weechat, "alice"), "Typing: alice in the bar",
                 lambda: weechat.bar_item("typing"), timeout=WAIT_S, poll=1.0)

        now[0] += THROTTLE_S  # "done" may go: 3 s since the "active"
        alice.typing.typed(ROOM, "")  # cleared unsent
        qtbot.waitUntil(partial(_typing_signal, weechat, "off", "alice"), timeout=WAIT_MS)
        wait_for(lambda: not _typing_item_shows(weechat, "alice"), "alice gone from the bar",
                 lambda: weechat.bar_item("typing"), timeout=WAIT_S, poll=1.0)
        assert WEENICK not in [ln.sender for ln in _messages(alice, ROOM)]


# a paste of many lines ------------------------------------------------------------------


def _irssi_said(log: str, nick: str) -> list[str]:
    """What ``nick`` said, line by line, in an irssi window's log (``12:00 <@alice> hi``)."""
    said = re.compile(rf"<[ @%+]?{re.escape(nick)}> (.*)$")
    return [m[1] for line in log.splitlines() if (m := said.search(line))]


def _weechat_said(log: str, nick: str) -> list[str]:
    """What ``nick`` said in a WeeChat buffer's log (``date<TAB>@alice<TAB>hi``)."""
    rows = (line.split("\t", 2) for line in log.splitlines())
    return [row[2] for row in rows if len(row) == 3 and row[1].lstrip("@%+") == nick]


def test_a_thirty_line_paste_arrives_as_thirty_lines_at_irssi_and_weechat(
    qtbot: QtBot, server: ServerProcess, session: MakeSession, tmp_path: Path
) -> None:
    channel = IRSSI_CHANNEL
    alice = session("alice", channels=(channel,))
    assert alice.conversation.supports("multiline"), alice.connection.caps
    with (
        Irssi.run(server, tmp_path / "irssi", "irssibob") as irssi,
        _weechat(tmp_path / "weechat", server, channel) as weechat,
    ):
        irssi_log = partial(read_text, irssi.log(channel))
        wait_for(lambda: f"Join to {channel} was synced" in irssi_log(), "irssi in the channel",
                 irssi.screen, timeout=WAIT_S)
        irssi.type(f"/window goto {channel}")  # shown, not only logged
        qtbot.waitUntil(lambda: joined(alice, channel, "irssibob", WEENICK), timeout=WAIT_MS)

        alice.send_input("\n".join(PASTE), channel)
        mine = _messages(alice, channel)
        assert len(mine) == 1 and mine[0].text == "\n".join(PASTE)  # one message here
        qtbot.waitUntil(lambda: _messages(alice, channel)[0].state == "", timeout=WAIT_MS)
        assert len(_messages(alice, channel)) == 1  # its echo, one batch, confirmed it

        wait_for(lambda: len(_irssi_said(irssi_log(), "alice")) >= len(PASTE),
                 "30 lines in irssi's log", lambda: irssi_log() + irssi.screen(),
                 timeout=WAIT_S)
        assert _irssi_said(irssi_log(), "alice") == PASTE
        wait_for(lambda: _irssi_said(irssi.tmux.screen(), "alice") == PASTE,
                 "30 lines on irssi's screen", irssi.screen, timeout=WAIT_S)

        weechat_log = partial(weechat.buffer_log, f"irc.chatbox.{channel}")
        wait_for(lambda: len(_weechat_said(weechat_log(), "alice")) >= len(PASTE),
                 "30 lines in WeeChat's log", weechat_log, timeout=WAIT_S)
        assert _weechat_said(weechat_log(), "alice") == PASTE
