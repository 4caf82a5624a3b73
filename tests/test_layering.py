"""The architecture can be read off the file tree (STYLE.md): each layer imports only the Qt
modules it may use."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
IMPORT = re.compile(r"^\s*(?:from|import)\s+(PySide6|shiboken6)(?:\.(\w+))?", re.MULTILINE)


def qt_modules(path: Path) -> set[str]:
    return {m.group(2) or m.group(1) for m in IMPORT.finditer(path.read_text())}


def test_protocol_imports_no_qt() -> None:
    offenders = [p for p in (APP / "protocol").rglob("*.py") if qt_modules(p)]
    assert offenders == []


def test_server_uses_only_qtcore_and_qtnetwork() -> None:
    for path in (APP / "server").rglob("*.py"):
        assert qt_modules(path) <= {"QtCore", "QtNetwork"}, path


def test_widgets_and_gui_only_in_ui_and_main() -> None:
    for path in APP.rglob("*.py"):
        rel = path.relative_to(APP).as_posix()
        if rel.startswith("ui/") or rel == "__main__.py":
            continue
        assert not qt_modules(path) & {"QtGui", "QtWidgets"}, rel


def test_server_core_and_commands_import_no_qt() -> None:
    """The core is driven by plain calls in tests and benchmarks: no Qt there at all."""
    pure = [APP / "server" / name for name in ("core.py", "deliver.py", "state.py", "config.py")]
    pure += list((APP / "server" / "commands").glob("*.py"))
    assert [p.name for p in pure if qt_modules(p)] == []


OWN = re.compile(r"^\s*(?:from|import)\s+app\.(\w+)", re.MULTILINE)


def own_layers(path: Path) -> set[str]:
    return {m.group(1) for m in OWN.finditer(path.read_text())}


def test_client_and_server_never_import_each_other() -> None:
    """What both sides use lives below both (app/net, app/protocol), as Quassel's
    src/common: the client never imports the server, nor the server the client."""
    forbidden = {"client": {"server", "ui"}, "server": {"client", "ui"},
                 "net": {"client", "server", "ui"}, "protocol": {"client", "server", "ui", "net"}}
    offenders = [
        (p.relative_to(APP).as_posix(), sorted(own_layers(p) & banned))
        for layer, banned in forbidden.items()
        for p in (APP / layer).rglob("*.py")
        if own_layers(p) & banned
    ]
    assert offenders == []


def test_net_uses_only_qtcore_and_qtnetwork() -> None:
    for path in (APP / "net").rglob("*.py"):
        assert qt_modules(path) <= {"QtCore", "QtNetwork"}, path
