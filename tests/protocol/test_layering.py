"""Layering is law: app/protocol is pure Python and never imports Qt (STYLE.md, rule 1)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import app.protocol
from app.protocol import numerics

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib, json, pkgutil, sys
import app.protocol
names = sorted(
    m.name for m in pkgutil.walk_packages(app.protocol.__path__, prefix="app.protocol.")
)
for name in names:
    importlib.import_module(name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"))
print(json.dumps({"modules": names, "qt": qt}))
"""


def test_protocol_imports_no_qt() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(out.stdout)
    expected = sorted(
        m.name for m in pkgutil.walk_packages(app.protocol.__path__, prefix="app.protocol.")
    )
    assert report["modules"] == expected
    assert "app.protocol.message" in report["modules"]
    assert report["qt"] == []


def test_numerics_are_three_digit_strings() -> None:
    names = [n for n in dir(numerics) if n.startswith(("RPL_", "ERR_"))]
    assert names
    for name in names:
        value = getattr(numerics, name)
        assert isinstance(value, str) and len(value) == 3 and value.isdigit(), name
