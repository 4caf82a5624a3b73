"""``python -m app.bench dcc [--size-mb N]``: DCC SEND throughput against a raw socket copy.

In the same run, on loopback, with the same file:

* **raw**: ``cat FILE > /dev/tcp/127.0.0.1/PORT`` (bash) into a plain reader process that
  throws the bytes away: the speed of the machine's TCP copy.
* **chatbox**: two Chatbox processes on a ``chatbox-server``: one offers the file with DCC
  SEND, the other (a real ChatWindow, offscreen) accepts it into /dev/null. Each measures
  its own CPU during the transfer, and the receiver the lateness of a 5 ms timer on its GUI
  event loop (how long the window could not paint).

Reported: MB/s for both and their ratio (target: Chatbox within 2x of raw), CPU ms per MB,
and the receiving window's stall p50/p99/max (target p99 < 16 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
TICK_MS = 5


def make_file(path: Path, size: int) -> None:
    block = os.urandom(1 << 20)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)


def run_raw(path: Path, size: int) -> dict[str, float]:
    """bash's cat into a TCP socket; a Python reader drops the bytes."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        started = time.perf_counter()
        sender = subprocess.Popen(["bash", "-c", f"cat '{path}' > /dev/tcp/127.0.0.1/{port}"])
        conn, _ = listener.accept()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        buffer = bytearray(1 << 20)
        view = memoryview(buffer)
        got = 0
        with conn:
            while True:
                n = conn.recv_into(view)
                if not n:
                    break
                got += n
        seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    _pid, _status, usage = os.wait4(sender.pid, 0)
    reader_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    assert got == size, f"raw copy moved {got} of {size} bytes"
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime + reader_cpu}


# ---------------------------------------------------------------- Chatbox peers
def peer(role: str, port: int, path: str, size: int) -> int:
    """One Chatbox process: ``send`` offers ``path`` to the receiver; ``receive`` (with a
    window) takes it into /dev/null. Prints one JSON line with what it measured."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from app.client.session import ChatSession
    from app.ui.application import gui_application
    from app.ui.chat_window import ChatWindow

    app = gui_application()
    session = ChatSession()
    window = ChatWindow(session) if role == "receive" else None
    if window is not None:
        window.resize(900, 600)
        window.show()
    session.autojoin = ["#bench"]
    result: dict[str, Any] = {}
    lateness: list[float] = []
    last = [0.0]
    cpu_mark = [0.0]

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def tick() -> None:
        now = time.perf_counter()
        if last[0]:
            lateness.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(tick)

    def finish(transfer: Any) -> None:
        ticker.stop()
        result.update(state=transfer.state, bytes=transfer.done,
                      seconds=time.perf_counter() - result["started"], cpu=cpu() - cpu_mark[0])
        if lateness:
            ordered = sorted(lateness)
            result.update(stall_p50=ordered[len(ordered) // 2],
                          stall_p99=ordered[int(len(ordered) * 0.99)], stall_max=ordered[-1])
        QTimer.singleShot(200, app.quit)

    def start(transfer: Any) -> None:
        result["started"] = time.perf_counter()
        cpu_mark[0] = cpu()
        ticker.start()
        transfer.finished.connect(lambda: finish(transfer))

    if role == "receive":
        def offered(transfer: Any) -> None:
            start(transfer)
            session.dcc.accept(transfer, Path(os.devnull))
        session.dcc.offer_received.connect(offered)
        session.room_opened.connect(  # the parent starts the sender on this line
            lambda name: print("ready", flush=True) if name == "#bench" else None)
    else:
        def joined(name: str) -> None:
            QTimer.singleShot(300, lambda: start(session.send_file("receiver", Path(path))))
        session.room_opened.connect(lambda name: joined(name) if name == "#bench" else None)
    nick = "receiver" if role == "receive" else "sender"
    session.connection.connect_to("127.0.0.1", port, nick)
    QTimer.singleShot(600_000, app.quit)
    app.exec()
    print(json.dumps(result), flush=True)
    return 0


def run_chatbox(path: Path, size: int, workdir: Path) -> dict[str, Any]:
    server = subprocess.Popen(
        [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", "0",
         "--no-history", "--no-flood-control", "--name", "bench.server"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().rsplit(":", 1)[1])
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATBOX_NO_MDNS="1",
                   XDG_DATA_HOME=str(workdir / "data"), XDG_CONFIG_HOME=str(workdir / "config"))
        argv = [sys.executable, "-m", "app.bench.dcc", "--peer"]
        receiver = subprocess.Popen([*argv, "receive", str(port), "", str(size)], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, text=True)
        assert receiver.stdout is not None
        if receiver.stdout.readline().strip() != "ready":  # in #bench: offers will be taken
            raise RuntimeError("the receiving Chatbox did not join")
        sender = subprocess.Popen([*argv, "send", str(port), str(path), str(size)], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, text=True)
        sent_out, _ = sender.communicate(timeout=900)
        got_out, _ = receiver.communicate(timeout=900)
    finally:
        server.terminate()
        server.wait(10)
    sent, got = json.loads(sent_out.strip().splitlines()[-1]), json.loads(
        got_out.strip().splitlines()[-1])
    assert got.get("state") == "done" and got.get("bytes") == size, (sent, got)
    return {"seconds": got["seconds"], "cpu": sent["cpu"] + got["cpu"], "receiver": got}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.bench dcc")
    parser.add_argument("--size-mb", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--peer", nargs=4, metavar=("ROLE", "PORT", "PATH", "SIZE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer:
        role, port, path, size = args.peer
        return peer(role, int(port), path, int(size))
    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="chatbox-dcc-bench-") as scratch:
        workdir = Path(scratch)
        path = workdir / "payload.bin"
        make_file(path, size)
        raw = run_raw(path, size)
        ours = run_chatbox(path, size, workdir)
    mb = size / 1e6
    raw_speed, our_speed = mb / raw["seconds"], mb / ours["seconds"]
    receiver = ours["receiver"]
    print(f"DCC SEND of {args.size_mb} MiB over loopback (this machine, one run each):")
    print(f"  raw cat > /dev/tcp: {raw_speed:8.1f} MB/s, CPU {raw['cpu'] * 1000 / mb:.2f} ms/MB")
    print(f"  Chatbox DCC:        {our_speed:8.1f} MB/s, CPU {ours['cpu'] * 1000 / mb:.2f} ms/MB"
          f" (sender + receiver)")
    verdict = "PASS" if raw["seconds"] / ours["seconds"] >= 0.5 else "FAIL"
    print(f"  Chatbox / raw speed: {our_speed / raw_speed:.2f} (target ≥ 0.5, within 2x: "
          f"{verdict})")
    if "stall_p99" in receiver:
        stall = "PASS" if receiver["stall_p99"] < 16 else "FAIL"
        print(f"  receiving window's event-loop stall: p50 {receiver['stall_p50']:.1f} ms, "
              f"p99 {receiver['stall_p99']:.1f} ms, max {receiver['stall_max']:.1f} ms "
              f"(target p99 < 16 ms: {stall})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
