"""The welcome burst, serialised once per core around the nick, is byte for byte what a
format_line per line gives (app/server/commands/welcome.py)."""

from __future__ import annotations

import pytest

from app.protocol import numerics as rpl
from app.server.commands import welcome
from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.state import Client
from tests.server.test_core import Recorder

CONFIGS = {
    "no MOTD": ServerConfig(name="core.test", flood=FloodPolicy(enabled=False)),
    "MOTD": ServerConfig(
        name="irc.example.org", network="Ünïcode Net", version="chatbox-9.9",
        motd=("Welcome!", "", "  : a colon, spaces and ünicode ✓", "last line"),
        flood=FloodPolicy(enabled=False),
    ),
    "empty MOTD": ServerConfig(name="e.test", motd=(), flood=FloodPolicy(enabled=False)),
    "password": ServerConfig(name="p.test", password="secret", motd=("hi",),
                             flood=FloodPolicy(enabled=False)),
}
NICKS = ("a", "alice", "[x]`^{|}_-", "Zed9", "n" * 30)


def reference_welcome(core: ServerCore, client: Client) -> None:
    """The burst as it was written before: a core.reply per line."""
    created = welcome._format_date(core.created)
    core.reply(client, rpl.RPL_WELCOME,
               f"Welcome to the {core.config.network} IRC Network {client.prefix}")
    core.reply(client, rpl.RPL_YOURHOST,
               f"Your host is {core.name}, running version {core.config.version}")
    core.reply(client, rpl.RPL_CREATED, f"This server was created {created}")
    core.reply(client, rpl.RPL_MYINFO, core.name, core.config.version, welcome.USER_MODES,
               welcome.CHANNEL_MODES, welcome.CHANNEL_PARAM_MODES)
    for tokens in welcome.format_isupport(welcome.isupport_tokens(core)):
        core.reply(client, rpl.RPL_ISUPPORT, *tokens, welcome.ISUPPORT_TRAILER)
    reference_lusers(core, client)
    reference_motd(core, client)


def reference_lusers(core: ServerCore, client: Client) -> None:
    total, most = core.registered_count, core.max_users
    invisible = core.mode_counts["i"]
    core.reply(client, rpl.RPL_LUSERCLIENT,
               f"There are {total - invisible} users and {invisible} invisible on 1 servers")
    core.reply(client, rpl.RPL_LUSEROP, str(core.mode_counts["o"]), "operator(s) online")
    core.reply(client, rpl.RPL_LUSERUNKNOWN, str(len(core.clients) - total),
               "unknown connection(s)")
    core.reply(client, rpl.RPL_LUSERCHANNELS, str(len(core.channels)), "channels formed")
    core.reply(client, rpl.RPL_LUSERME, f"I have {total} clients and 0 servers")
    core.reply(client, rpl.RPL_LOCALUSERS, str(total), str(most),
               f"Current local users {total}, max {most}")
    core.reply(client, rpl.RPL_GLOBALUSERS, str(total), str(most),
               f"Current global users {total}, max {most}")


def reference_motd(core: ServerCore, client: Client) -> None:
    if core.config.motd is None:
        core.reply(client, rpl.ERR_NOMOTD, "MOTD File is missing")
        return
    core.reply(client, rpl.RPL_MOTDSTART, f"- {core.name} Message of the day - ")
    for line in core.config.motd:
        core.reply(client, rpl.RPL_MOTD, f"- {line}")
    core.reply(client, rpl.RPL_ENDOFMOTD, "End of /MOTD command.")


def register(core: ServerCore, nick: str, *lines: str) -> tuple[Client, Recorder]:
    rec = Recorder()
    client = core.connect("10.0.0.7", rec.write, rec.close)
    script = (*lines, "PASS secret", f"NICK {nick}", "USER u 0 * :R")
    core.receive(client, "".join(f"{line}\r\n" for line in script).encode())
    return client, rec


def written(send: object, core: ServerCore, client: Client) -> bytes:
    """What ``send(core, client)`` writes, as one string of bytes."""
    chunks: list[bytes] = []
    real = client.write
    client.write = chunks.append
    try:
        send(core, client)  # type: ignore[operator]
    finally:
        client.write = real
    return b"".join(chunks)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_the_welcome_burst_is_byte_identical_to_a_format_line_per_line(
    config: ServerConfig,
) -> None:
    core = ServerCore(config, wall_clock=lambda: 1_800_000_000.5)
    core.connect("10.0.0.9", Recorder().write, Recorder().close)  # one unregistered
    oper, _ = register(core, "oper")
    core.set_user_mode(oper, "i", True)
    core.set_user_mode(oper, "o", True)
    core.receive(oper, b"JOIN #one,#two\r\n")
    for nick in NICKS:
        client, rec = register(core, nick)
        expected = written(reference_welcome, core, client)
        assert b"".join(rec.chunks) == expected  # the registration's own burst
        assert written(welcome.send_welcome, core, client) == expected
        assert written(welcome.send_lusers, core, client) == written(reference_lusers, core,
                                                                      client)
        assert written(welcome.send_motd, core, client) == written(reference_motd, core, client)
        assert expected.decode().count("\r\n") == len(expected.decode().splitlines())


def test_a_labeled_registration_labels_every_line_of_the_burst() -> None:
    core = ServerCore(ServerConfig(name="core.test", motd=("one", "two"),
                                   flood=FloodPolicy(enabled=False)))
    rec = Recorder()
    client = core.connect("10.0.0.7", rec.write, rec.close)
    core.receive(client, b"CAP LS 302\r\nCAP REQ :labeled-response batch\r\nNICK bob\r\n"
                         b"USER u 0 * :R\r\n")
    rec.chunks.clear()
    core.receive(client, b"@label=w1 CAP END\r\n")
    lines = rec.lines()
    assert lines[0].startswith("@label=w1 :core.test BATCH +")
    ref = lines[0].split()[3][1:]
    numerics = [line.split()[2] for line in lines[1:-1]]
    assert all(line.startswith(f"@batch={ref} :core.test ") for line in lines[1:-1])
    assert numerics[:5] == ["001", "002", "003", "004", "005"]
    assert numerics[-4:] == ["375", "372", "372", "376"]
    assert lines[-1] == f":core.test BATCH -{ref}"
