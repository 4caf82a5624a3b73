"""Whom the user ignores (/ignore): masks such as ``bob!*@*`` or ``*!*@spam.example``.

Client-side only: what such a sender sends (messages, notices, CTCP and file offers) never
reaches a room. The list is the user's own, for every server: the controller loads it from
the settings and saves it when ``changed`` says so.

Signals:
    changed(list): the masks now ignored (after /ignore or /unignore).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.protocol.names import mask_matches, normalize_mask


class IgnoreList(QObject):
    changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._masks: list[str] = []

    def masks(self) -> list[str]:
        return list(self._masks)

    def set_masks(self, masks: list[str]) -> None:
        """The saved list (no ``changed``: nothing new to save)."""
        self._masks = list(dict.fromkeys(normalize_mask(m) for m in masks if m.strip()))

    def add(self, mask: str) -> bool:
        """False when ``mask`` was ignored already."""
        mask = normalize_mask(mask)
        if any(m.lower() == mask.lower() for m in self._masks):
            return False
        self._masks.append(mask)
        self.changed.emit(self.masks())
        return True

    def remove(self, mask: str) -> bool:
        """False when ``mask`` was not ignored."""
        mask = normalize_mask(mask).lower()
        kept = [m for m in self._masks if m.lower() != mask]
        if len(kept) == len(self._masks):
            return False
        self._masks = kept
        self.changed.emit(self.masks())
        return True

    def matches(self, source: str | None) -> bool:
        """Whether a message from ``source`` (``nick!user@host``, or a bare nick) is dropped."""
        if not source or not self._masks:
            return False
        full = source if "!" in source else f"{source}!*@*"
        return any(mask_matches(mask, full) for mask in self._masks)
