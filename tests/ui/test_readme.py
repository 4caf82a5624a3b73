"""The README's keyboard and commands section says exactly what the app does."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.protocol.commands import markdown
from app.ui.chat_window import ChatWindow
from app.ui.shortcut_list import shortcut_rows

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_readme_lists_exactly_the_commands_help_lists() -> None:
    assert markdown() in README


def test_every_key_the_readme_names_is_a_shortcut_of_the_chat_window(
    qtbot: QtBot, hosted: ChatWindow
) -> None:
    section = README[README.index("| Keys | What they do |"):]
    section = section[: section.index("\n\n")]
    held = {part.strip() for row in shortcut_rows(hosted) for part in row.keys.split(", ")}
    held |= {"Alt+1 … Alt+9"} if "Alt+1" in held else set()
    menu_keys = {
        "Ctrl+W", "Ctrl+F", "Ctrl+Q", "Ctrl+,", "Ctrl+/", "Ctrl+0", "Ctrl+-",
    }
    assert menu_keys <= held, menu_keys - held
    cells = [row.split(" | ")[0] for row in section.splitlines()[2:]]
    assert [k for k in sorted(menu_keys) if not any(k in cell for cell in cells)] == []
