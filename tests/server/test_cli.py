"""The headless server's command line: the contract scripts rely on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from app.server.datadir import default_data_dir
from tests.conftest import StartServer
from tests.support import ROOT, TIMEOUT, IrcClient, ServerProcess, _readline_with_timeout, said

HISTORY_CAPS = ("draft/chathistory", "batch", "server-time", "message-tags")


def test_first_line_is_listening_and_port_zero_picks_a_free_port(start_server: StartServer) -> None:
    server = start_server()
    assert server.host == "127.0.0.1"
    assert server.port > 0
    client = IrcClient(server.port)
    client.register("alice")
    client.close()


def test_sigterm_sends_error_to_every_client_and_exits_zero(start_server: StartServer) -> None:
    server = start_server()
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    alice.register("alice")
    bob.register("bob")
    server.proc.send_signal(signal.SIGTERM)
    for client in (alice, bob):
        assert client.until_closed()[-1] == "ERROR :Server shutting down"
    assert server.proc.wait(TIMEOUT) == 0


def test_sigint_stops_cleanly(start_server: StartServer) -> None:
    server = start_server()
    client = IrcClient(server.port)
    client.register("carol")
    assert server.stop(signal.SIGINT) == 0
    assert "ERROR :Server shutting down" in client.until_closed()


def test_port_in_use_is_one_line_and_status_two(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
        )
    assert done.returncode == 2
    assert done.stdout == ""
    # Log lines may come first (the new history and accounts files); one line is for people.
    lines = [line for line in done.stderr.splitlines() if " INFO chatbox." not in line]
    assert len(lines) == 1 and str(port) in lines[0] and "in use" in lines[0]
    assert "Traceback" not in done.stderr


def test_headless_server_never_imports_gui_modules() -> None:
    code = (
        "import sys, app.server.cli, app.server.listener, app.server.core;"
        "bad = [m for m in sys.modules if m.startswith(('PySide6.QtGui', 'PySide6.QtWidgets'))];"
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=TIMEOUT, check=True)
    assert done.stdout.strip() == "[]"


def test_logs_register_join_quit(start_server: StartServer) -> None:
    server = start_server()
    client = IrcClient(server.port)
    client.register("dave")
    client.send("JOIN #log")
    client.sync()
    client.send("QUIT :bye")
    client.until_closed()
    server.stop()
    log = server.log
    for word in ("register #1 as dave", "join dave #log", "quit #1 dave"):
        assert word in log


def test_bad_oper_flag_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.server", "--port", "0", "--oper", "nopassword"],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 2
    assert "NAME:PASSWORD" in done.stderr and "Traceback" not in done.stderr


def test_two_servers_on_one_machine_share_nothing(start_server: StartServer) -> None:
    first, second = start_server(), start_server()
    assert first.port != second.port
    a, b = IrcClient(first.port), IrcClient(second.port)
    a.register("same")  # the same nick on both: separate state
    b.register("same")
    a.send("JOIN #only-first")
    a.sync()
    b.send("LIST")
    assert [m.command for m in b.sync()] == ["321", "323"]
    a.close()
    b.close()


def test_chatbox_dash_dash_server_is_the_headless_server(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--server", "--host", "127.0.0.1", "--port", "0",
         "--name", "x.y"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:")
        client = IrcClient(int(line.rsplit(":", 1)[1]))
        client.register("desk")
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert "Traceback" not in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_plain(port: int, *args: str, log_dir: Path) -> ServerProcess:
    """``chatbox-server --port PORT`` with no --data-dir (tests/conftest.py's fixture does pass
    one): the data folder is the default, under this test's own $XDG_DATA_HOME."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / "stderr.log"
    argv = [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", str(port),
            "--name", "test.server", "--no-flood-control", *args]
    with stderr_path.open("w") as err:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
    line = _readline_with_timeout(proc, TIMEOUT)
    if line != f"listening on 127.0.0.1:{port}\n":
        proc.kill()
        proc.wait(TIMEOUT)
        raise AssertionError(f"server did not start: {line!r}\n{stderr_path.read_text()}")
    return ServerProcess(proc, "127.0.0.1", port, stderr_path)


def test_history_survives_a_restart_without_data_dir_in_the_user_data_folder(
    tmp_path: Path,
) -> None:
    port = free_port()
    folder = Path(os.environ["XDG_DATA_HOME"]) / "chatbox" / "servers" / str(port)
    assert default_data_dir(port) == folder
    server = start_plain(port, log_dir=tmp_path / "first")
    try:
        alice = IrcClient(port)
        alice.register("alice")
        said(alice, "JOIN #chan")
        said(alice, "PRIVMSG #chan :kept across a restart")
        alice.close()
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert (folder / "history.sqlite3").is_file()
    assert f"history: {folder / 'history.sqlite3'}" in server.log

    server = start_plain(port, log_dir=tmp_path / "second")
    try:
        bob = IrcClient(port)
        bob.register("bob", caps=HISTORY_CAPS)
        said(bob, "JOIN #chan")
        replies = said(bob, "CHATHISTORY LATEST #chan * 10")
        bob.close()
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert [(m.command, m.source.split("!")[0], m.params[-1]) for m in replies
            if m.command == "PRIVMSG"] == [("PRIVMSG", "alice", "kept across a restart")]


def test_no_history_creates_no_data_folder(tmp_path: Path) -> None:
    port = free_port()
    server = start_plain(port, "--no-history", log_dir=tmp_path / "log")
    try:
        alice = IrcClient(port)
        alice.register("alice")
        said(alice, "JOIN #chan")
        said(alice, "PRIVMSG #chan :not kept")
        alice.close()
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert not (Path(os.environ["XDG_DATA_HOME"]) / "chatbox").exists()
    assert "history: off" in server.log


def test_port_zero_keeps_history_in_memory_and_creates_no_folder() -> None:
    assert default_data_dir(0) is None
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert _readline_with_timeout(proc, TIMEOUT).startswith("listening on 127.0.0.1:")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert "history: in memory only" in err
    assert not (Path(os.environ["XDG_DATA_HOME"]) / "chatbox").exists()


def test_an_unusable_default_data_folder_is_one_line_and_status_two(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
        env=dict(os.environ, XDG_DATA_HOME=str(not_a_folder)),
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot create the data folder" in lines[0], done.stderr
    assert str(not_a_folder / "chatbox" / "servers" / str(port)) in lines[0]


def test_help_names_the_default_data_folder() -> None:
    done = subprocess.run([sys.executable, "-m", "app.server", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT, check=True)
    assert "chatbox/servers/PORT" in " ".join(done.stdout.split())
    assert "--min-password-length N" in done.stdout


def test_min_password_length_must_be_usable(tmp_path: Path) -> None:
    for value in ("0", "301"):
        done = subprocess.run(
            [sys.executable, "-m", "app.server", "--port", "0", "--data-dir", str(tmp_path),
             "--min-password-length", value],
            cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
        )
        assert done.returncode == 2 and "--min-password-length" in done.stderr, done.stderr

