"""``python -m tests.lan_probe ADDRESS``: how much advertising costs the Qt event loop.

Run inside a test namespace (tests/netns.py): publishes a chat on ADDRESS with the real
Advertiser, withdraws it, and prints one JSON line: how long start() and stop() took on
the GUI thread, how long publishing and the goodbyes took in the background, and the
longest the event loop waited between two turns meanwhile (a 2 ms timer ticks throughout).
"""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from app.server.advertise import Advertiser, Announcement


def main(address: str) -> int:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    gaps: list[float] = []
    last = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(2)
    ticker.timeout.connect(tick)
    ticker.start()

    def until(signal: object, timeout_ms: int = 20_000) -> bool:
        loop = QEventLoop()
        done = [False]

        def finish(*_args: object) -> None:
            done[0] = True
            loop.quit()

        signal.connect(finish)  # type: ignore[attr-defined]
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        return done[0]

    advertiser = Advertiser()
    until(ticker.timeout, 1000)  # the ticker runs; a second idle, for comparison
    loop = QEventLoop()
    QTimer.singleShot(1000, loop.quit)
    loop.exec()
    idle = max(gaps)
    gaps.clear()
    t0 = time.monotonic()
    started = advertiser.start(Announcement("probe", address, 6667, 6697, "probe"))
    start_call = time.monotonic() - t0
    published = started and until(advertiser.published)
    publish_s = time.monotonic() - t0
    t1 = time.monotonic()
    advertiser.stop()
    stop_call = time.monotonic() - t1
    withdrawn = until(advertiser.withdrawn)
    withdraw_s = time.monotonic() - t1
    print(json.dumps({
        "published": published, "withdrawn": withdrawn,
        "start_call_ms": round(start_call * 1000, 2), "stop_call_ms": round(stop_call * 1000, 2),
        "publish_s": round(publish_s, 3), "withdraw_s": round(withdraw_s, 3),
        "max_stall_ms": round(max(gaps) * 1000, 1), "idle_max_stall_ms": round(idle * 1000, 1),
    }), flush=True)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
