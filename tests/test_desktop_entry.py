"""The launcher: resources found from the checkout, the desktop entry and icons installed
under XDG_DATA_HOME pointing at this program, and removed without a trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.resources import ICON_SIZES, icon_png, resource_path, resource_root
from tests.support import ROOT, TIMEOUT


def all_paths(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def test_resources_are_found_from_the_checkout() -> None:
    assert resource_root() == ROOT / "resources"
    assert resource_path("icons", "chatbox.svg").is_file()
    for size in ICON_SIZES:
        assert icon_png(size).is_file()
    with pytest.raises(FileNotFoundError, match="resource missing"):
        resource_path("no-such-file")


def install_and_remove(command: list[str], tmp_path: Path) -> tuple[str, set[Path]]:
    """Run ``command --install-desktop-entry`` then ``--uninstall-desktop-entry``; returns
    the desktop entry written and every path that existed while installed."""
    home = tmp_path / "share"
    home.mkdir()
    (home / "applications").mkdir()  # already there, as on most desktops
    before = all_paths(home)
    env = dict(os.environ, XDG_DATA_HOME=str(home))
    done = subprocess.run([*command, "--install-desktop-entry"], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    entry = (home / "applications" / "chatbox.desktop").read_text()
    installed = all_paths(home)
    done = subprocess.run([*command, "--uninstall-desktop-entry"], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert all_paths(home) == before  # no trace: files and the folders it made are gone
    return entry, installed


def test_install_points_at_this_venv_and_uninstall_leaves_no_trace(tmp_path: Path) -> None:
    entry, installed = install_and_remove([sys.executable, "-m", "app"], tmp_path)
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    chatbox_script = Path(sys.executable).parent / "chatbox"
    assert exec_line == f"Exec={chatbox_script}"
    home = tmp_path / "share"
    assert home / "icons/hicolor/48x48/apps/chatbox.png" in installed
    assert home / "icons/hicolor/scalable/apps/chatbox.svg" in installed
    if shutil.which("desktop-file-validate"):
        check = tmp_path / "chatbox.desktop"
        check.write_text(entry)
        done = subprocess.run(["desktop-file-validate", str(check)], capture_output=True,
                              text=True, timeout=TIMEOUT)
        assert done.returncode == 0 and done.stdout == "", done.stdout


def test_desktop_entry_and_metainfo_validate() -> None:
    tools = {"desktop-file-validate": ["desktop-file-validate", "resources/chatbox.desktop"],
             "appstreamcli": ["appstreamcli", "validate", "--no-net",
                              "resources/org.chatbox.Chatbox.metainfo.xml"]}
    for tool, command in tools.items():
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} missing on CI (Debian: desktop-file-utils, appstream)")
            pytest.skip(f"{tool} not installed")
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert done.returncode == 0, done.stdout + done.stderr
