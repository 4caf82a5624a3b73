"""Real IRC clients from Debian logging in to accounts over our server's TLS port.

WeeChat 3.8 (``weechat-headless``) speaks SASL SCRAM-SHA-256 and pins the certificate by its
fingerprint; irssi 1.4.3 knows no SCRAM, so it logs in with PLAIN, which our server allows over
TLS. Each login is checked from both ends: what the real client wrote in its log or on its
screen, and what a raw client on the plain port sees of it (WHOIS 330 and 671, account tags).

WeeChat (tests/interop/drivers.py) runs in the foreground with ``--dir`` of its own, typed at
through its FIFO; irssi runs in a private tmux server. Neither gives a signal to wait on, so
their files and screens are polled under a deadline. A missing client fails the test: CI
installs both.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.interop.drivers import Tmux, Weechat, require, wait_for_line
from tests.server.test_accounts import register_account
from tests.support import Clients, IrcClient, ServerProcess

pytestmark = pytest.mark.interop

CHANNEL = "#secure"
INSTALL = "weechat-headless irssi tmux"  # a missing client is a failure, not a skip


@contextlib.contextmanager
def _secure_server(start_server: StartServer, account: str, password: str
                   ) -> Iterator[tuple[ServerProcess, IrcClient]]:
    """A server with a TLS port, ``account`` registered, and a raw watcher in ``CHANNEL``.

    The watcher ("watcher", on the plain port) asks for account-tag and message-tags, and is
    first in the channel, so it sees every later JOIN and PRIVMSG.
    """
    server = start_server("--tls-port", "0")
    assert server.tls_port and server.fingerprint, server.log
    register_account(server, account, password)
    with Clients(server.port) as clients:
        watcher = clients.open("watcher", caps=("account-tag", "message-tags"))
        watcher.send(f"JOIN {CHANNEL}")
        watcher.expect("366")
        yield server, watcher


def _whois(client: IrcClient, nick: str) -> dict[str, Message]:
    """WHOIS ``nick``; its replies by numeric, up to the 318 that ends them."""
    client.send(f"WHOIS {nick}")
    replies: dict[str, Message] = {}
    while (msg := client.read()).command != "318":
        replies[msg.command] = msg
    return replies


def _joined(nick: str) -> Callable[[Message], bool]:
    return lambda msg: (msg.source or "").partition("!")[0] == nick and msg.param(0) == CHANNEL


# WeeChat ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _weechat(home: Path, server: ServerProcess, *, account: str, password: str,
             nick: str) -> Iterator[Weechat]:
    """WeeChat on the TLS port, pinning the certificate, logging in with SCRAM-SHA-256."""
    fingerprint = server.fingerprint.replace(":", "").lower()  # 3.8 wants bare hex
    options = {
        "ssl_fingerprint": fingerprint,
        "sasl_mechanism": "scram-sha-256",
        "sasl_username": account,
        "sasl_password": password,
        # A refused login leaves it connected without an account (default: reconnect).
        "sasl_fail": "continue",
        "nicks": nick,
        "autojoin": CHANNEL,
    }
    with Weechat.run(home, f"127.0.0.1/{server.tls_port} -ssl", options,
                     install=INSTALL) as weechat:
        yield weechat


def test_weechat_logs_in_with_scram_over_tls(start_server: StartServer, tmp_path: Path) -> None:
    with (
        _secure_server(start_server, "weechat", "scram over tls") as (server, watcher),
        _weechat(tmp_path / "weechat", server, account="weechat",
                  password="scram over tls", nick="weechat") as weechat,
    ):
        weechat.wait_for("gnutls: certificate fingerprint matches")
        weechat.wait_for("SASL authentication successful")
        watcher.expect("JOIN", where=_joined("weechat"))

        whois = _whois(watcher, "weechat")
        assert whois["330"].params[1:] == ("weechat", "weechat", "is logged in as"), whois
        assert "671" in whois, whois  # is using a secure connection

        weechat.wait_for_buffer(CHANNEL)
        weechat.say(f"irc.chatbox.{CHANNEL}", "hello over TLS")
        said = watcher.expect("PRIVMSG", where=lambda msg: msg.param(0) == CHANNEL)
        assert said.params == (CHANNEL, "hello over TLS")
        assert said.tags.get("account") == "weechat", said


def test_weechat_with_a_wrong_password_is_refused_and_says_so(
    start_server: StartServer, tmp_path: Path
) -> None:
    with (
        _secure_server(start_server, "weechat", "the right one") as (server, watcher),
        _weechat(tmp_path / "weechat", server, account="weechat",
                  password="a wrong one", nick="weechat") as weechat,
    ):
        weechat.wait_for("SASL authentication failed")
        # sasl_fail continue: registered all the same, without an account; and on the
        # account's nick, it may not join before logging in, as weechat says.
        weechat.wait_for("belongs to a registered account")
        whois = _whois(watcher, "weechat")
        assert "319" not in whois, whois  # in no channel
        assert "311" in whois and "671" in whois, whois
        assert "330" not in whois, whois
        assert "You are now logged in" not in weechat.log(), weechat.log()


# irssi ------------------------------------------------------------------------------------

_IRSSI_CONFIG = """\
servers = (
  {{ address = "127.0.0.1"; port = "{port}"; chatnet = "chatbox"; autoconnect = "yes";
    use_tls = "yes"; tls_verify = "no"; tls_pinned_cert = "{pin}"; }}
);
chatnets = {{ chatbox = {{ type = "IRC"; sasl_mechanism = "PLAIN";
  sasl_username = "{account}"; sasl_password = "{password}"; }}; }};
channels = ( {{ name = "{channel}"; chatnet = "chatbox"; autojoin = "yes"; }} );
settings = {{
  core = {{ nick = "{nick}"; user_name = "{nick}"; real_name = "Irssi Interop";
    settings_autosave = "no"; }};
  "irc/core" = {{ cmd_queue_speed = "0"; }};
}};
"""


@dataclass
class Irssi:
    """irssi in a tmux server of its own; it autoconnects over TLS and autojoins ``CHANNEL``.

    The config is what ``/network add -sasl_mechanism PLAIN -sasl_username A -sasl_password P``
    and ``/server add -tls -notls_verify -tls_pinned_cert FP`` would write. Pinning alone is
    not enough: with tls_verify on, irssi refuses the self-signed certificate before it
    compares the pin. What irssi says is read off the tmux pane.
    """

    tmux: Tmux

    @classmethod
    @contextlib.contextmanager
    def run(cls, home: Path, server: ServerProcess, *, pin: str, account: str, password: str,
            nick: str) -> Iterator[Irssi]:
        irssi = require("irssi", INSTALL)
        tmux = require("tmux", INSTALL)
        home.mkdir(parents=True)
        (home / "config").write_text(_IRSSI_CONFIG.format(
            port=server.tls_port, pin=pin, account=account, password=password, nick=nick,
            channel=CHANNEL,
        ))
        with Tmux.start(tmux, shlex.join([irssi, f"--home={home}"]), home, "irssi") as session:
            yield cls(session)

    def screen(self) -> str:
        return self.tmux.screen()

    def wait_for(self, *needles: str) -> str:
        return wait_for_line(self.screen, *needles, where="irssi's screen")


def test_irssi_logs_in_with_plain_over_tls(start_server: StartServer, tmp_path: Path) -> None:
    with (
        _secure_server(start_server, "irssiuser", "plain over tls") as (server, watcher),
        Irssi.run(tmp_path / "irssi", server, pin=server.fingerprint, account="irssiuser",
                  password="plain over tls", nick="irssiuser") as irssi,
    ):
        irssi.wait_for("Certificate Fingerprint:", server.fingerprint)
        irssi.wait_for("SASL authentication succeeded")  # irssi's words, not the 903 text
        watcher.expect("JOIN", where=_joined("irssiuser"))

        whois = _whois(watcher, "irssiuser")
        assert whois["330"].params[1:] == ("irssiuser", "irssiuser", "is logged in as"), whois
        assert "671" in whois, whois


def test_irssi_pinning_a_wrong_fingerprint_refuses_to_connect(
    start_server: StartServer, tmp_path: Path
) -> None:
    with _secure_server(start_server, "irssiuser", "plain over tls") as (server, watcher):
        wrong = ":".join(["AB"] * 32)
        assert wrong != server.fingerprint
        with Irssi.run(tmp_path / "irssi", server, pin=wrong, account="irssiuser",
                       password="plain over tls", nick="irssiuser") as irssi:
            irssi.wait_for("Pinned certificate mismatch")
            whois = _whois(watcher, "irssiuser")
            assert "401" in whois and "311" not in whois, whois
            assert "SASL authentication" not in irssi.screen()
