"""A bar at the top of the chat window when the server gave us another nick than the one we
chose: "bob is taken here; you are bob_", with a button to choose another.

The connection falls back on 433 while registering (``IrcConnection._handle``: bob → bob_)
and the session keeps trying for the wanted nick (``NickKeeper``); the bar goes once we
are the wanted nick again, or the user chose a new one and the server granted it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QWidget,
)

from app.client.session import SERVER_ROOM, ChatSession
from app.protocol.message import Message
from app.ui.nick_dialog import NickDialog


class NickTakenBar(QFrame):
    """Shows itself while our nick is not the one we chose (see the module docstring)."""

    def __init__(self, session: ChatSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("NickTakenBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setAccessibleName("Nickname taken")
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # nicks come from the wire
        self.text.setWordWrap(True)
        self.change_button = QPushButton("Choose another nickname…")
        self.change_button.setAccessibleName("Choose another nickname")
        self.keep_button = QPushButton("Keep it")
        self.keep_button.setAccessibleName("Keep this nickname")
        self.keep_button.setToolTip("Hide this note; Chatbox still takes your nickname back "
                                    "when it comes free")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.change_button)
        row.addWidget(self.keep_button)
        self.change_button.clicked.connect(self.choose_another)
        self.keep_button.clicked.connect(self._on_keep)
        session.connection.registered.connect(self._on_registered)
        session.connection.message_received.connect(self._on_message)
        self._dismissed = False
        self._holder().hide()

    def _holder(self) -> QWidget:
        """What is shown and hidden: the dock around the bar, or the bar itself."""
        parent = self.parentWidget()
        return parent if isinstance(parent, QDockWidget) else self

    def _update(self) -> None:
        c = self.session.connection
        taken = bool(c.wanted_nick) and not c.is_me(c.wanted_nick) and c.state == "connected"
        if taken:
            self.text.setText(f"{c.wanted_nick} is taken here; you are {c.nick}.")
        self._holder().setVisible(taken and not self._dismissed)

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        self._dismissed = False  # a new link, maybe a new fallback: say it again
        self._update()

    @Slot(object)
    def _on_message(self, msg: Message) -> None:
        if msg.command == "NICK" and self._holder().isVisible():
            self._update()  # we got it back, or chose another that the server granted

    @Slot()
    def choose_another(self) -> None:
        nick = NickDialog.ask(self.session.nick, self.window(), "Change")
        if nick and not self.session.connection.is_me(nick):
            self.session.send_input(f"/nick {nick}", SERVER_ROOM)

    @Slot()
    def _on_keep(self) -> None:
        self._dismissed = True
        self._holder().hide()


def dock_nick_taken_bar(window: QMainWindow, session: ChatSession) -> NickTakenBar:
    """The bar at the top of ``window``, hidden until the server gives us another nick."""
    dock = QDockWidget(window)
    dock.setObjectName("NickTakenDock")
    dock.setTitleBarWidget(QWidget(dock))  # a bar, not a panel with a title
    dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
    bar = NickTakenBar(session, dock)
    dock.setWidget(bar)
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)
    dock.hide()  # until the server gives us another nick
    return bar
