"""Find files in resources/ the same way from a checkout and from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource_root() -> Path:
    """The resources folder: inside the bundle when frozen, beside app/ in a checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """``resource_path("icons", "chatbox.svg")``; raises FileNotFoundError when missing."""
    path = resource_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Chatbox resource missing: {path}")
    return path


def icon_png(size: int) -> Path:
    return resource_path("icons", "hicolor", f"{size}x{size}", "apps", "chatbox.png")
