"""A netsplit shown as one line per room, redrawn while its QUITs (or JOINs back) arrive.

The grouping itself is pure (app/protocol/netsplit.py); this owns the lines in the rooms'
message models and the timer that ends each group's window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Slot

from app.client.models import ChatLine, Room
from app.protocol.netsplit import Group, NetsplitTracker

log = logging.getLogger("chatbox.client")


class NetsplitLines(QObject):
    """Draws netsplits into rooms: ``quit()`` for a split QUIT, ``join()`` for any JOIN
    (it answers whether that JOIN ended a split and was drawn).

    The lines are ordinary events ("quit" and "join" kinds, no single sender), so the views
    render them as they render one user's quit or join.
    """

    def __init__(self, fold: Callable[[str], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tracker = NetsplitTracker(fold)
        self.clock: Callable[[], float] = time.monotonic
        self._lines: dict[Group, ChatLine] = {}  # the line of each group still open
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_window_passed)

    def quit(
        self, room: Room, nick: str, servers: tuple[str, str], when: datetime, address: str = ""
    ) -> None:
        """``nick`` left ``room`` in the split between ``servers``."""
        group, new = self.tracker.quit(room.name, nick, servers, self.clock(), address)
        self._show(room, group, new, when, "quit")

    def join(self, room: Room, nick: str, when: datetime, address: str = "") -> bool:
        """``nick`` joined ``room``: True when it was back from a split (and drawn so)."""
        back = self.tracker.join(room.name, nick, self.clock(), address)
        if back is None:
            return False
        self._show(room, *back, when, "join")
        return True

    def clear(self) -> None:
        """Our own link dropped: whoever split is gone from our view anyway."""
        self._timer.stop()
        self.tracker.clear()
        self._lines.clear()

    def _show(self, room: Room, group: Group, new: bool, when: datetime, kind: str) -> None:
        shown = None if new else self._lines.get(group)
        if shown is None:
            line = ChatLine(when, "", group.text, kind)
            room.messages.append(line)
        else:
            line = replace(shown, text=group.text)  # same time: it stays where it is
            room.messages.replace(shown, line)
        log.debug("%s in %s: %s", group.kind, room.name, group.text)
        self._lines[group] = line
        self._timer.start(int(self.tracker.window_s * 1000) + 50)

    @Slot()
    def _on_window_passed(self) -> None:
        self.tracker.expire(self.clock())
        still_open = self.tracker.open_groups
        self._lines = {g: line for g, line in self._lines.items() if g in still_open}
        if still_open:
            self._timer.start(int(self.tracker.window_s * 1000) + 50)
