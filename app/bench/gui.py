"""``python -m app.bench gui``: the chat window with a huge room and a busy channel.

One process holds the QApplication (offscreen unless QT_QPA_PLATFORM says otherwise), a
ChatSession and a ChatWindow, connected over a real socket to our server, which runs in its
own process; the load comes from a third process (``app.bench.feeder``), so neither the
server's nor the sender's CPU time counts against the GUI's event loop.

1. The viewer joins #bench, looks at the server room, and the #bench MessageModel is preloaded
   with ``--messages`` lines: RSS before and after gives KiB per 1,000 messages.
2. Time to open the room: ``show_room`` until the view has laid out the last row and is
   scrolled to the bottom (and has painted).
3. The feeder sends ``--rate`` PRIVMSGs a second for ``--seconds``; a 1 ms PreciseTimer records
   every turn of the event loop; a stall is the gap between two ticks minus 1 ms. Every
   message must arrive in the model, in order. Stalls alone can mislead (a view that never
   lays out the new rows has short ones), so every 100 ms we also check that the newest
   message is on screen, and time how long after the last arrival it gets there.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import random
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Slot

from app.bench import servers
from app.bench.feeder import WORDS, sample_text
from app.bench.gui_report import (
    FRESH_SAMPLE_MS,
    TARGET_FRESH_PCT,
    TARGET_P99_MS,
    GuiReport,
    table,
)
from app.bench.procstat import cpu_seconds, die_with_parent, rss_kib
from app.client.models import ChatLine, MessageModel
from app.client.session import SERVER_ROOM, ChatSession
from app.ui.application import gui_application, platform_name
from app.ui.chat_window import ChatWindow

CHANNEL = "#bench"
VIEWER = "viewer"
FEEDER = "feeder"
TICK_MS = 1
MAX_TICKS = 2_000_000  # a bound on the tick log, far above 1,000 ticks/s for any sane run
WINDOW_SIZE = (1000, 700)


class BenchError(RuntimeError):
    """A step did not happen in time; the message says which."""


class StallMeter(QObject):
    """A 1 ms precise timer that logs when each tick really ran."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ticks: list[int] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self._ticks = [time.perf_counter_ns()]
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._ticks.append(time.perf_counter_ns())

    @Slot()
    def _on_tick(self) -> None:
        if len(self._ticks) < MAX_TICKS:
            self._ticks.append(time.perf_counter_ns())

    def stalls_ms(self) -> list[float]:
        """Per tick: how much later than 1 ms after the previous one it ran."""
        t = self._ticks
        return [max(0.0, (b - a) / 1e6 - TICK_MS) for a, b in itertools.pairwise(t)]


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run_until(pred: Callable[[], bool], timeout: float, what: str, poll_ms: int = 10) -> None:
    """Run the event loop until ``pred()`` holds; BenchError after ``timeout`` seconds."""
    if pred():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout

    def check() -> None:
        if pred() or time.monotonic() > deadline:
            loop.quit()

    poll = QTimer()
    poll.setInterval(poll_ms)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if not pred():
        raise BenchError(f"{what}: not within {timeout:g} s")


def preload(model: MessageModel, count: int, seed: int) -> None:
    """``count`` varied lines from 40 senders, as the session would have built them."""
    rng = random.Random(seed)
    nicks = [f"{rng.choice(WORDS)}{n}!u@host{n}" for n in range(40)]
    start = datetime.now(UTC) - timedelta(days=7)
    msgid = os.urandom(6).hex()
    for seq in range(count):
        sender = rng.choice(nicks).partition("!")[0]  # a new string per line, as parsing makes
        kind = "message" if rng.random() < 0.97 else "action"
        when = start + timedelta(milliseconds=6 * seq)
        model.append(ChatLine(when, sender, sample_text(rng, seq), kind, False, f"{msgid}{seq:x}"))
    model.flush()


def rss_now() -> int:
    gc.collect()
    return rss_kib(os.getpid())


class Bench:
    """One run against one server on ``port``: the three steps of the module docstring."""

    def __init__(self, args: argparse.Namespace, port: int, report: GuiReport) -> None:
        self.args, self.port, self.report = args, port, report
        self.session = ChatSession()
        self.session.autojoin = [CHANNEL]
        self.window = ChatWindow(self.session)
        self.window.resize(*WINDOW_SIZE)
        self.meter = StallMeter()

    def run(self) -> None:
        self.window.show()
        self.session.connection.connect_to("127.0.0.1", self.port, VIEWER)
        run_until(self._joined, self.args.timeout, f"joining {CHANNEL}")
        self.window.show_room(SERVER_ROOM)
        self._preload_and_open()
        self._feed()

    def _room_model(self) -> MessageModel:
        room = self.session.rooms.get(CHANNEL)
        assert room is not None
        return room.messages

    def _joined(self) -> bool:
        room = self.session.rooms.get(CHANNEL)
        return room is not None and room.joined and VIEWER in room.members.nicks()

    def _settled(self) -> bool:
        """The last row is laid out and visible, and the view is scrolled to the bottom."""
        view = self.window.messages
        model = self._room_model()
        if view.model() is not model or model.rowCount() == 0:
            return False
        rect = view.visualRect(model.index(model.rowCount() - 1))
        bar = view.verticalScrollBar()
        return (rect.isValid() and view.viewport().rect().intersects(rect)
                and bar.value() == bar.maximum())

    def _preload_and_open(self) -> None:
        r, args = self.report, self.args
        before = rss_now()
        started = time.perf_counter()
        preload(self._room_model(), args.messages, args.seed)
        r.preload_s = time.perf_counter() - started
        loaded = rss_now()
        r.kib_per_1000_model = (loaded - before) * 1000 / args.messages
        self.meter.start()
        started = time.perf_counter()
        self.window.show_room(CHANNEL)
        r.open_call_ms = (time.perf_counter() - started) * 1000
        run_until(self._settled, args.timeout, f"opening {CHANNEL}", poll_ms=1)
        QCoreApplication.processEvents()  # the paint that the last layout asked for
        r.open_ms = (time.perf_counter() - started) * 1000
        self.meter.stop()
        r.open_max_stall_ms = max(self.meter.stalls_ms(), default=0.0)
        r.kib_per_1000_shown = (rss_now() - before) * 1000 / args.messages

    def _feed(self) -> None:
        args = self.args
        self.report.expected = round(args.rate * args.seconds)
        feeder = subprocess.Popen(
            [sys.executable, "-m", "app.bench.feeder", "--port", str(self.port),
             "--nick", FEEDER, "--channel", CHANNEL, "--rate", str(args.rate),
             "--seconds", str(args.seconds), "--timeout", str(args.timeout),
             "--seed", str(args.seed + 1)],
            cwd=servers.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            preexec_fn=die_with_parent)
        try:
            if _readline(feeder, args.timeout) != "ready":
                raise BenchError("the feeder did not join")
            room = self.session.rooms.get(CHANNEL)
            assert room is not None
            run_until(lambda: FEEDER in room.members.nicks(), args.timeout, "feeder's JOIN")
            self._load(feeder)
            self._catch_up()
            out, _ = feeder.communicate(timeout=args.timeout)
            if not out.strip():
                raise BenchError(f"the feeder exited ({feeder.returncode}) without a result")
            feed = json.loads(out.strip().splitlines()[-1])
            self.report.feed_seconds = feed["seconds"]
            self.report.feed_max_lag_ms = feed["max_lag_ms"]
            if feed["error"]:
                self.report.errors.append(f"feeder: {feed['error']}")
        finally:
            if feeder.poll() is None:
                feeder.kill()
                feeder.wait(5)

    def _load(self, feeder: subprocess.Popen[str]) -> None:
        """Say go; run the loop until every message is in the model, ticking and sampling."""
        r, args = self.report, self.args
        assert feeder.stdin is not None
        model = self._room_model()
        model.flush()
        target = len(model.lines()) + r.expected  # the view shows only a window of them
        fresh: list[bool] = []
        sampler = QTimer()
        sampler.setInterval(FRESH_SAMPLE_MS)
        sampler.timeout.connect(lambda: fresh.append(self._settled()))
        profiler = cProfile.Profile() if args.profile else None
        cpu = cpu_seconds(os.getpid())
        self.meter.start()
        sampler.start()
        started = time.perf_counter()
        feeder.stdin.write("go\n")
        feeder.stdin.flush()
        if profiler is not None:
            profiler.enable()
        try:
            run_until(lambda: len(model.lines()) >= target, args.seconds + args.timeout,
                      "all messages in the model", poll_ms=20)
        finally:
            if profiler is not None:
                profiler.disable()
                r.profile = _top(profiler, args.profile)
            r.arrival_s = time.perf_counter() - started
            self.meter.stop()
            sampler.stop()
            r.gui_cpu_pct = 100 * (cpu_seconds(os.getpid()) - cpu) / r.arrival_s
            if fresh:
                r.fresh_pct = 100 * sum(fresh) / len(fresh)
                r.fresh_ok = r.fresh_pct >= TARGET_FRESH_PCT
            self._stalls()
            self._count(model)

    def _catch_up(self) -> None:
        """How long after the last arrival the newest message is on screen."""
        started = time.perf_counter()
        try:
            run_until(self._settled, self.args.timeout, "the view catching up", poll_ms=1)
        except BenchError as exc:
            self.report.notes.append(str(exc))
            return
        self.report.caught_up_ms = (time.perf_counter() - started) * 1000

    def _stalls(self) -> None:
        r = self.report
        stalls = sorted(self.meter.stalls_ms())
        r.ticks = len(stalls)
        if stalls:
            r.stall_p50_ms = percentile(stalls, 0.50)
            r.stall_p99_ms = percentile(stalls, 0.99)
            r.stall_max_ms = stalls[-1]
            r.stalls_over_target = len(stalls) - bisect.bisect_left(stalls, TARGET_P99_MS)
            r.p99_ok = r.stall_p99_ms < TARGET_P99_MS

    def _count(self, model: MessageModel) -> None:
        seqs = [int(line.text.partition(" ")[0]) for line in model.lines()
                if line.sender == FEEDER and line.kind == "message"]
        self.report.arrived = len(seqs)
        self.report.in_order = seqs == list(range(self.report.expected))
        if not self.report.in_order:
            self.report.errors.append(
                f"{self.report.arrived} of {self.report.expected} messages arrived"
                + ("" if self.report.arrived != self.report.expected else ", out of order"))

    def close(self) -> None:
        self.session.quit()
        self.window.close()


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        return proc.stdout.readline().strip() if sel.select(timeout) else ""


def _top(profiler: cProfile.Profile, count: int) -> str:
    """The ``count`` functions with the most own time, then those of app/ by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats(pstats.SortKey.TIME).print_stats(count)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(r"(session|models|connection|"
                                                            r"message_view|message_delegate|"
                                                            r"chat_window)\.py",
                                                            count)
    return out.getvalue()


def measure(args: argparse.Namespace) -> GuiReport:
    """Start a server, run the bench in this process's QApplication, stop the server."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report = GuiReport(preload=args.messages, rate=args.rate, seconds=args.seconds)
    app = gui_application()
    report.platform = platform_name()
    with tempfile.TemporaryDirectory(prefix="chatbox-bench-gui-") as tmp:
        try:
            server = servers.start("ours", Path(tmp))
        except servers.ServerStartError as exc:
            report.errors.append(str(exc))
            return report
        bench = Bench(args, server.port, report)
        try:
            bench.run()
        except (BenchError, OSError, subprocess.TimeoutExpired, ValueError, KeyError) as exc:
            report.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            bench.close()
            app.processEvents()
            server.stop()
    return report


def main(args: argparse.Namespace) -> int:
    report = measure(args)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print(table(report))
        for error in report.errors:
            print(f"error: {error}")
        for note in report.notes:
            print(f"note:  {note}")
        if report.profile:
            print(report.profile)
    return 1 if report.errors else 0
