"""The built program, as users get it: ``pyinstaller chatbox.spec`` (onedir), then
(a) the frozen headless server, (b) the frozen app's start screen on a real X server
(Xvfb, the xcb platform) with text drawn, (c) the frozen --host-chat accepting a client."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns import APPEAR_S, LEAVE_S, LanPair
from tests.support import ROOT, TIMEOUT, IrcClient

pytestmark = pytest.mark.packaging
TOOLS = ("Xvfb", "xdotool", "import")


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing on CI: {missing}")
        pytest.skip(f"not installed: {missing}")


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/chatbox/chatbox built from the spec into a temporary folder."""
    need()
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    if not pyinstaller.exists():
        pytest.fail("pyinstaller is not installed (it is in the test extra)")
    work = tmp_path_factory.mktemp("build")
    done = subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(work / "dist"),
         "--workpath", str(work / "build"), "chatbox.spec"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    exe = work / "dist" / "chatbox" / "chatbox"
    assert exe.is_file()
    return exe


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(TIMEOUT)
    return proc.returncode


def test_frozen_version_reads_package_metadata(frozen: Path) -> None:
    done = subprocess.run([str(frozen), "--version"], capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 0 and done.stdout.strip().startswith("chatbox 0.")


def test_frozen_server_registers_a_client_and_stops_on_sigterm(frozen: Path) -> None:
    proc = subprocess.Popen([str(frozen), "--server", "--host", "127.0.0.1", "--port", "0",
                             "--tls-port", "0", "--name", "frozen.test"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:")
        tls_line, fingerprint_line = proc.stdout.readline(), proc.stdout.readline()
        assert tls_line.startswith("listening with TLS on 127.0.0.1:")  # Qt's TLS plugin is in
        client = IrcClient(int(line.rsplit(":", 1)[1]))
        assert client.register("frosty")
        assert client.received[0].command == "001"
        secure = IrcClient(int(tls_line.rsplit(":", 1)[1]), tls=True)
        assert fingerprint_line.strip().endswith(secure.peer_fingerprint)  # cryptography made it
        assert secure.register("secure")
        secure.close()
    finally:
        assert stop(proc) == 0
    assert client.until_closed()[-1] == "ERROR :Server shutting down"


def test_frozen_server_advertises_on_the_lan(frozen: Path, lan: LanPair) -> None:
    """zeroconf is in the bundle: the frozen server is found, and leaves, on a test network."""
    server = lan.server("--name", "frozen", program=(str(frozen), "--server"))
    browser = lan.browser()
    hit = browser.wait_for(lambda e: e["event"] == "found" and e["server"] == "frozen",
                           APPEAR_S, "the frozen server")
    assert lan.stop(server) == 0
    browser.wait_for(lambda e: e["event"] == "lost" and e["key"] == hit["key"], LEAVE_S,
                     "the frozen server leaving")


@pytest.fixture
def xserver() -> Iterator[str]:
    """A private Xvfb display for one test; -displayfd says its number once it is ready."""
    need(*TOOLS)
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as ready:
        number = ready.readline().strip()  # blocks until Xvfb accepts clients (or exits)
    assert number.isdecimal(), "Xvfb did not start"
    yield f":{number}"
    proc.terminate()
    proc.wait(TIMEOUT)


def wait_for_window(display: str, title: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                               env=dict(os.environ, DISPLAY=display), capture_output=True,
                               text=True, timeout=TIMEOUT)
        if found.stdout.strip():
            return found.stdout.split()[0]
        time.sleep(0.1)  # polling an external X server for a window
    raise AssertionError(f"no visible window named {title!r}")


def test_frozen_app_opens_its_start_screen_with_text_on_x11(
    frozen: Path, xserver: str, tmp_path: Path
) -> None:
    env = dict(os.environ, DISPLAY=xserver, QT_QPA_PLATFORM="xcb",
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.Popen([str(frozen)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        try:
            window = wait_for_window(xserver, "Chatbox")
        except AssertionError:
            stop(proc)
            raise AssertionError(proc.communicate()[1][-2000:]) from None
        shot = tmp_path / "start.png"
        subprocess.run(["import", "-window", window, str(shot)], env=env, check=True,
                       timeout=TIMEOUT)
        from PySide6.QtGui import QImage

        image = QImage(str(shot))
        assert not image.isNull()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 2)
                   for y in range(0, image.height(), 2)}
        assert len(colours) > 40, f"no text drawn ({len(colours)} colours): fonts missing?"
    finally:
        status = stop(proc)
    _out, err = proc.communicate()
    assert status == 0 and "Traceback" not in err


def test_frozen_host_chat_accepts_a_client(frozen: Path, tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATBOX_LISTEN_ADDRESS="127.0.0.1",
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.Popen([str(frozen), "--host-chat", "--nick", "alice", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                guest = IrcClient(port)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)  # the frozen app is starting: nothing to wait on but the port
        guest.register("guest")
    finally:
        assert stop(proc) == 0
    assert guest.until_closed()[-1] == "ERROR :Server shutting down"


def test_frozen_finds_its_resources_and_installs_a_launcher_to_itself(
    frozen: Path, tmp_path: Path
) -> None:
    from tests.test_desktop_entry import install_and_remove

    entry, installed = install_and_remove([str(frozen)], tmp_path)
    assert f"Exec={frozen}" in entry.splitlines()
    assert tmp_path / "share/icons/hicolor/256x256/apps/chatbox.png" in installed
