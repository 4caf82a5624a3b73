"""``chatbox --install-desktop-entry`` / ``--uninstall-desktop-entry``: the launcher.

Writes the freedesktop entry and the icons under the user's XDG data folder, pointing at
the running program (the frozen executable, or the ``chatbox`` script of this venv), and
remembers every file it wrote, so that uninstalling removes exactly those.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from app.resources import ICON_SIZES, icon_png, resource_path

MANIFEST = Path("chatbox") / "installed-files.txt"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME")
    return Path(value) if value else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """How a launcher starts this Chatbox."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.executable).parent / "chatbox"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "app"]


def install(home: Path | None = None) -> list[Path]:
    """Write the entry and icons; returns the files written."""
    home = home or data_home()
    written: list[Path] = []
    made_dirs: list[Path] = []  # folders that did not exist before: uninstall removes them

    def make_dirs(folder: Path) -> None:
        missing = [d for d in (folder, *folder.parents) if not d.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        made_dirs.extend(reversed(missing))

    def put(target: Path, data: bytes) -> None:
        make_dirs(target.parent)
        target.write_bytes(data)
        written.append(target)

    entry = resource_path("chatbox.desktop").read_text(encoding="utf-8")
    exec_line = " ".join(shlex.quote(part) for part in launch_command())
    lines = [f"Exec={exec_line}" if ln.startswith("Exec=") else ln for ln in entry.splitlines()]
    put(home / "applications" / "chatbox.desktop", ("\n".join(lines) + "\n").encode())
    for size in ICON_SIZES:
        put(home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "chatbox.png",
            icon_png(size).read_bytes())
    put(home / "icons" / "hicolor" / "scalable" / "apps" / "chatbox.svg",
        resource_path("icons", "chatbox.svg").read_bytes())
    manifest = home / MANIFEST
    make_dirs(manifest.parent)
    lines = [f"file {path}" for path in [*written, manifest]]
    lines += [f"dir {path}" for path in made_dirs]
    manifest.write_text("".join(f"{line}\n" for line in lines))
    return written


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove exactly what install() wrote, and the folders it made; returns them."""
    home = home or data_home()
    manifest = home / MANIFEST
    if not manifest.exists():
        return []
    removed: list[Path] = []
    entries = [line.partition(" ") for line in manifest.read_text().splitlines()]
    for kind, _, name in entries:
        path = Path(name)
        if kind == "file" and path.is_file():
            path.unlink()
            removed.append(path)
    for kind, _, name in reversed(entries):  # deepest folders were recorded last
        path = Path(name)
        if kind == "dir" and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
            removed.append(path)
    return removed
