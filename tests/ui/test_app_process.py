"""The real app process (``python -m app``, offscreen) outlives a failed join: the start
screen says why, and the process ends only when its last window is closed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT, TIMEOUT


def test_a_refused_join_leaves_the_app_running_until_its_last_window_closes(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: the join is refused
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATBOX_NO_MDNS="1",
               XDG_CONFIG_HOME=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
    done = subprocess.run([sys.executable, "-m", "tests.ui.drive_start", str(port)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=TIMEOUT * 2)
    lines = done.stdout.splitlines()
    assert lines[:1] == ["said: The server refused the connection. Is it running, and is the "
                         "port right?"], (done.stdout, done.stderr)
    assert lines[1:] == ["alive"], (done.stdout, done.stderr)  # still running after it
    assert done.returncode == 0 and "Traceback" not in done.stderr
