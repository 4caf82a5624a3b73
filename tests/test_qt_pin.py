"""The pinned PySide6 must not carry the 6.12.0 crash on CPython 3.11."""

from __future__ import annotations

import sys


def test_pyside_void_calls_do_not_drain_none_refcount() -> None:
    """PySide6 6.12.0 on CPython 3.11 decrements None's refcount on every call of a binding
    that returns nothing, until the interpreter aborts (../shared/QT-NOTES.md)."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(10_000):
        timer.setInterval(5)
        timer.stop()
    assert sys.getrefcount(None) >= before - 100
