"""The headless server's command line: the contract scripts rely on."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import StartServer
from tests.support import ROOT, TIMEOUT, IrcClient


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
    lines = done.stderr.strip().splitlines()
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


def test_logs_connect_register_join_quit(start_server: StartServer) -> None:
    server = start_server()
    client = IrcClient(server.port)
    client.register("dave")
    client.send("JOIN #log")
    client.sync()
    client.send("QUIT :bye")
    client.until_closed()
    server.stop()
    log = server.log
    for word in ("connect #1", "register #1 as dave", "join dave #log", "quit #1 dave"):
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
