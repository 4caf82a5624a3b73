"""Chatbox → Preferences: every choice takes effect at once, in every open window, and is
remembered (it goes through :class:`Choices` into Settings). The dialog follows changes
made elsewhere (Ctrl++, the View menu, the tray) while it is open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.settings import DEFAULT_REAL_NAME, MAX_FONT_PT, MIN_FONT_PT
from app.ui.choices import Choices
from app.ui.nick_dialog import explain
from app.ui.theme import THEME_NAMES

TIMESTAMPS = {"%H:%M": "13:45", "%H:%M:%S": "13:45:07", "%I:%M %p": "01:45 PM",
              "%a %H:%M": "Mon 13:45", "": "No times"}
LEVELS = {"all": "Every message", "mentions": "Mentions and private messages only",
          "none": "None"}
DEFAULT_SIZE = MIN_FONT_PT - 1  # the spin box's lowest value stands for "the system's"


class FolderChooser:
    """Where received files go (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget | None, start: Path) -> Path | None:
        chosen = QFileDialog.getExistingDirectory(parent, "Chatbox — download folder",
                                                  str(start))
        return Path(chosen) if chosen else None


def _combo(name: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.view().setAccessibleName(f"{name} choices")  # its drop-down list
    return box


def _check(text: str, tip: str = "") -> QCheckBox:
    box = QCheckBox(text)
    box.setAccessibleName(text)
    box.setToolTip(tip)
    return box


class PreferencesDialog(QDialog):
    def __init__(
        self, choices: Choices, tray_available: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._choices = choices
        self.setWindowTitle("Chatbox — preferences")
        self.setAccessibleName("Preferences")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._you_tab(tray_available), "&General")
        self.tabs.addTab(self._look_tab(), "&Appearance")
        self.tabs.addTab(self._notify_tab(), "&Notifications")
        self.tabs.addTab(self._files_tab(), "&Files and links")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close preferences")
        close.setAutoDefault(False)  # Enter in a text box applies it, and keeps the dialog
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.refresh("")
        self._connect_signals()

    # ---------------------------------------------------------------- tabs
    def _you_tab(self, tray_available: bool) -> QWidget:
        page = QWidget()
        form = self._you_form = QFormLayout(page)
        self.nick_edit = QLineEdit()
        self.nick_edit.setAccessibleName("Nickname")
        self.nick_edit.setToolTip("Used for new chats; open chats using it change with it")
        self.nick_problem = QLabel()
        self.nick_problem.setAccessibleName("Nickname problem")
        self.nick_problem.setWordWrap(True)
        self.real_name_edit = QLineEdit()
        self.real_name_edit.setAccessibleName("Real name")
        self.real_name_edit.setPlaceholderText(DEFAULT_REAL_NAME)
        self.real_name_edit.setToolTip("Others see it in /whois; sent when you next connect")
        form.addRow("&Nickname:", self.nick_edit)
        form.addRow("", self.nick_problem)
        form.setRowVisible(self.nick_problem, False)  # until there is a problem to tell
        form.addRow("&Real name:", self.real_name_edit)
        self.tray_check = _check("&Close windows into the system tray",
                                 "Chatbox keeps running in the tray when you close a window")
        self.tray_check.setEnabled(tray_available)
        note = (
            "The window that hosts a chat always closes into the tray, so the people in "
            "your chat stay connected. Quit ends it."
            if tray_available else "Your desktop has no system tray: closing a window closes it."
        )
        self.tray_note = QLabel(note)
        self.tray_note.setWordWrap(True)
        form.addRow(self.tray_check)
        form.addRow(self.tray_note)
        self.typing_check = _check("&Let others see when I am typing",
                                   "Others see “your-nick is typing…” under their messages while "
                                   "you type to them (where the server passes it on)")
        form.addRow(self.typing_check)
        return page

    def _look_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.theme_box = _combo("Theme")
        for name, label in THEME_NAMES.items():
            self.theme_box.addItem(label, name)
        self.font_box = _combo("Font")
        self.font_box.addItem("System font", "")
        for family in QFontDatabase.families():
            self.font_box.addItem(family, family)
        self.size_spin = QSpinBox()
        self.size_spin.setAccessibleName("Text size")
        self.size_spin.setRange(DEFAULT_SIZE, MAX_FONT_PT)
        self.size_spin.setSpecialValueText("System size")
        self.size_spin.setSuffix(" pt")
        self.timestamp_box = _combo("Time format")
        for fmt, example in TIMESTAMPS.items():
            self.timestamp_box.addItem(example, fmt)
        self.joins_check = _check("Show &join/part lines",
                                  "Lines for people joining, leaving and quitting")
        self.colours_check = _check("Show others' text without &colours",
                                    "Leave out the colours and styles people put in messages")
        form.addRow("&Theme:", self.theme_box)
        form.addRow("F&ont:", self.font_box)
        form.addRow("Text &size:", self.size_spin)
        form.addRow("T&ime:", self.timestamp_box)
        form.addRow(self.joins_check)
        form.addRow(self.colours_check)
        return page

    def _notify_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.level_group = QButtonGroup(page)
        self.level_buttons: dict[str, QRadioButton] = {}
        column = QVBoxLayout()
        for level, label in LEVELS.items():
            button = QRadioButton(label)
            button.setAccessibleName(f"Notify: {label}")
            self.level_group.addButton(button)
            self.level_buttons[level] = button
            column.addWidget(button)
        self.sound_check = _check("Play a &sound", "A sound with each desktop notification")
        self.highlight_edit = QLineEdit()
        self.highlight_edit.setAccessibleName("Highlight words")
        self.highlight_edit.setPlaceholderText("e.g. lunch, release, Alice Smith")
        self.highlight_edit.setToolTip("Messages with one of these words (separated by commas) "
                                       "count as mentions of you")
        form.addRow("Desktop notifications:", column)
        self.contacts_check = _check("Tell me when a &contact comes online",
                                     "A notification when someone you watch connects")
        form.addRow(self.sound_check)
        form.addRow(self.contacts_check)
        form.addRow("&Highlight words:", self.highlight_edit)
        return page

    def _files_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.link_images_check = _check(
            "Show &pictures from links",
            "Fetch the pictures people link to (the sites then see your address)")
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName("Download folder")
        self.folder_edit.setReadOnly(True)
        self.folder_button = QPushButton("C&hoose…")
        self.folder_button.setAutoDefault(False)
        self.folder_button.setAccessibleName("Choose the download folder")
        folder_row = QWidget()  # a widget, so the label's "&D" has a buddy to focus
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.folder_button)
        self.strangers_check = _check(
            "Accept file offers from &strangers",
            "Also be asked about files from people who are in none of your rooms")
        form.addRow(self.link_images_check)
        form.addRow("&Download folder:", folder_row)
        form.addRow(self.strangers_check)
        return page

    # ---------------------------------------------------------------- both ways
    def _connect_signals(self) -> None:
        self._choices.changed.connect(self.refresh)
        self.nick_edit.textChanged.connect(self._on_nick_text)
        self.nick_edit.editingFinished.connect(self._on_nick_done)
        self.real_name_edit.editingFinished.connect(self._on_real_name_done)
        self.theme_box.currentIndexChanged.connect(self._on_theme)
        self.font_box.currentIndexChanged.connect(self._on_font)
        self.size_spin.valueChanged.connect(self._on_size)
        self.timestamp_box.currentIndexChanged.connect(self._on_timestamp)
        self.level_group.buttonClicked.connect(self._on_level)
        self.highlight_edit.editingFinished.connect(self._on_highlights_done)
        self.folder_button.clicked.connect(self._on_choose_folder)
        for check, name, invert in (
            (self.tray_check, "close_to_tray", False),
            (self.joins_check, "hide_joins", True),
            (self.colours_check, "strip_colours", False),
            (self.sound_check, "notification_sound", False),
            (self.typing_check, "share_typing", False),
            (self.contacts_check, "contact_alerts", False),
            (self.link_images_check, "link_images", False),
            (self.strangers_check, "files_from_strangers", False),
        ):
            check.setProperty("choice", name)
            check.setProperty("inverted", invert)
            check.toggled.connect(self._on_check)

    @Slot(str)
    def refresh(self, _name: str) -> None:
        """Every widget shows the saved choice."""
        s = self._choices.settings
        for widget in self.findChildren(QWidget):
            widget.blockSignals(True)
        try:
            if not self.nick_edit.hasFocus():
                self.nick_edit.setText(s.last_nick)
            if not self.real_name_edit.hasFocus():
                self.real_name_edit.setText(s.real_name)
            if not self.highlight_edit.hasFocus():
                self.highlight_edit.setText(", ".join(s.highlight_words))
            self.theme_box.setCurrentIndex(self.theme_box.findData(s.theme))
            self.font_box.setCurrentIndex(max(0, self.font_box.findData(s.font_family)))
            self.size_spin.setValue(s.font_size or DEFAULT_SIZE)
            if self.timestamp_box.findData(s.timestamp_format) < 0:
                self.timestamp_box.addItem(s.timestamp_format, s.timestamp_format)
            self.timestamp_box.setCurrentIndex(self.timestamp_box.findData(s.timestamp_format))
            self.level_buttons[s.notification_level].setChecked(True)
            self.folder_edit.setText(str(s.download_folder))
            self.tray_check.setChecked(s.close_to_tray)
            self.joins_check.setChecked(not s.hide_joins)
            self.colours_check.setChecked(s.strip_colours)
            self.sound_check.setChecked(s.notification_sound)
            self.typing_check.setChecked(s.share_typing)
            self.contacts_check.setChecked(s.contact_alerts)
            self.link_images_check.setChecked(s.link_images)
            self.strangers_check.setChecked(s.files_from_strangers)
        finally:
            for widget in self.findChildren(QWidget):
                widget.blockSignals(False)

    @Slot(str)
    def _on_nick_text(self, text: str) -> None:
        problem = explain(text) if text else None
        self.nick_problem.setText(problem or "")
        self._you_form.setRowVisible(self.nick_problem, problem is not None)

    @Slot()
    def _on_nick_done(self) -> None:
        nick = self.nick_edit.text()
        if nick and explain(nick) is None:
            self._choices.change("last_nick", nick)

    @Slot()
    def _on_real_name_done(self) -> None:
        self._choices.change("real_name", self.real_name_edit.text())

    @Slot()
    def _on_highlights_done(self) -> None:
        words = [w.strip() for w in self.highlight_edit.text().split(",")]
        self._choices.change("highlight_words", [w for w in words if w])

    @Slot(int)
    def _on_theme(self, index: int) -> None:
        self._choices.change("theme", str(self.theme_box.itemData(index)))

    @Slot(int)
    def _on_font(self, index: int) -> None:
        self._choices.change("font_family", str(self.font_box.itemData(index)))

    @Slot(int)
    def _on_size(self, value: int) -> None:
        self._choices.change("font_size", 0 if value == DEFAULT_SIZE else value)

    @Slot(int)
    def _on_timestamp(self, index: int) -> None:
        self._choices.change("timestamp_format", str(self.timestamp_box.itemData(index)))

    @Slot()
    def _on_level(self) -> None:
        for level, button in self.level_buttons.items():
            if button.isChecked():
                self._choices.change("notification_level", level)

    @Slot(bool)
    def _on_check(self, on: bool) -> None:
        check = self.sender()
        if isinstance(check, QCheckBox):
            inverted = bool(check.property("inverted"))
            self._choices.change(str(check.property("choice")), on != inverted)

    @Slot()
    def _on_choose_folder(self) -> None:
        folder = FolderChooser.ask(self, self._choices.settings.download_folder)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._choices.change("download_folder", folder)
