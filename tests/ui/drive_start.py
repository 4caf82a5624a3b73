"""``python -m tests.ui.drive_start PORT``: the real ``python -m app`` (its composition root,
``finished`` wired to quit), with a hand on the start screen: it joins 127.0.0.1:PORT as
bob, prints what the start screen then says, proves the process is still running a while
later, and closes the start screen, the app's last window.

Printed lines: ``said: <the problem shown>``, ``alive``, and the exit status comes from the
app itself. Used by tests/ui/test_app_process.py.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from app import __main__ as entry
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from app.ui.start_window import StartWindow

ALIVE_AFTER_MS = 500  # a quit queued by the failure would have run long before this


def say(text: str) -> None:
    print(text, flush=True)


def drive(start: StartWindow, port: int) -> None:
    start.host_edit.setCurrentText("127.0.0.1")
    start.port_edit.setValue(port)
    start.join_button.click()
    poll = QTimer(start)
    poll.setInterval(20)

    def check() -> None:
        if start.isVisible() and start.error.isVisible():
            poll.stop()
            say(f"said: {start.error.text()}")
            QTimer.singleShot(ALIVE_AFTER_MS, lambda: finish(start))

    poll.timeout.connect(check)
    poll.start()


def finish(start: QWidget) -> None:
    say("alive")
    start.close()  # the last window: now the app ends


def main(port: int) -> int:
    NickDialog.ask = classmethod(lambda cls, *_args: "bob")  # type: ignore[method-assign,assignment]
    show_start = ChatboxApp.show_start
    driven: list[bool] = []

    def show_and_drive(self: ChatboxApp, error: str = "", **kwargs: object) -> StartWindow:
        start = show_start(self, error, **kwargs)  # type: ignore[arg-type]
        if not driven:
            driven.append(True)
            QTimer.singleShot(0, lambda: drive(start, port))
        return start

    ChatboxApp.show_start = show_and_drive  # type: ignore[method-assign,assignment]
    return entry.main([])


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
