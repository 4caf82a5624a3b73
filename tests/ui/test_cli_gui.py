"""``chatbox --join`` and ``chatbox --host-chat`` as launchers run them (offscreen), and
SIGTERM closing them like the close button: QUIT first, the hosted server says goodbye."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import StartServer
from tests.support import ROOT, TIMEOUT, IrcClient


def launch(*args: str, tmp_path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATBOX_LISTEN_ADDRESS="127.0.0.1",
               XDG_CONFIG_HOME=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def connect_when_listening(port: int, app: subprocess.Popen[str]) -> IrcClient:
    """Connect once the app listens (it starts in well under TIMEOUT seconds)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and app.poll() is None:
        try:
            return IrcClient(port)
        except ConnectionRefusedError:
            time.sleep(0.05)  # an external process: nothing to wait on but the port
    raise AssertionError(f"the hosted chat never listened on {port}")


def test_join_goes_straight_to_the_room_and_sigterm_quits_cleanly(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server()
    watcher = IrcClient(server.port)
    watcher.register("watcher")
    watcher.send("JOIN #team")
    watcher.sync()
    app = launch("--join", f"127.0.0.1:{server.port}", "--nick", "bob", "--channel", "#team",
                 tmp_path=tmp_path)
    try:
        joined = watcher.expect("JOIN", timeout=15)
        assert joined.source is not None and joined.source.startswith("bob!")
        watcher.send("PRIVMSG #team :hello bob")
        watcher.sync()
    finally:
        status, err = finish(app)
    quit_msg = watcher.expect("QUIT")
    assert quit_msg.source is not None and quit_msg.source.startswith("bob!")
    assert quit_msg.params == ("Quit: Chatbox",)
    assert status == 0 and "Traceback" not in err


def test_host_chat_serves_others_and_sigterm_tells_them(tmp_path: Path) -> None:
    port = free_port()
    app = launch("--host-chat", "--nick", "alice", "--port", str(port), tmp_path=tmp_path)
    try:
        guest = connect_when_listening(port, app)
        guest.register("guest")
        guest.send("JOIN #chatbox")
        names = guest.expect("353").params[-1].split()
        if "@alice" not in names:  # the guest was quicker than the host's own window
            joined = guest.expect("JOIN", timeout=15)
            assert joined.source is not None and joined.source.startswith("alice!")
    finally:
        status, err = finish(app)
    lines = guest.until_closed()
    assert any("QUIT" in line and line.startswith(":alice!") for line in lines)
    assert lines[-1] == "ERROR :Server shutting down"
    assert status == 0 and "Traceback" not in err


def test_version_and_bad_arguments() -> None:
    done = subprocess.run([sys.executable, "-m", "app", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0 and done.stdout.startswith("chatbox ")
    done = subprocess.run([sys.executable, "-m", "app", "--join", "x", "--nick", "9bad"],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and "digit" in done.stderr and "Traceback" not in done.stderr


def test_no_fonts_is_said_in_words_instead_of_empty_boxes(tmp_path: Path) -> None:
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<fontconfig><cachedir>'
                     f"{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATBOX_STARTUP_PROBE="1",
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    run = [sys.executable, "-m", "app"]
    with_fonts = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=TIMEOUT)
    without = subprocess.run(run, cwd=ROOT, env=dict(env, FONTCONFIG_FILE=str(empty)),
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert with_fonts.returncode == 0 and "found no fonts" not in with_fonts.stderr
    assert without.returncode == 0
    assert "Chatbox found no fonts" in without.stderr and "fonts-dejavu-core" in without.stderr
