"""Contacts: nicks the user watches, online or not, with IRCv3 MONITOR (and
extended-monitor's AWAY, with away-notify, to tell who is away).

The list is the user's: the UI hands it in at start (:meth:`Contacts.set_watched`) and keeps
each change it hears of (``watch_list_changed``). After each registration (at the end of the
welcome, once ISUPPORT is known) the whole list goes to the server, within its ``MONITOR=N``
limit; what does not fit, or what the server refuses (734), is said in words in the server
room. 730/731 make a contact online or offline; a 730 that answers our own ``MONITOR +`` is
how things stand, not an arrival, so only the others say ``contact_online``. Away comes
from AWAY (and from a WHO sent when a contact comes online, for who was away already).
Without MONITOR in ISUPPORT, :meth:`Contacts.available` is False and nothing is sent.

Signals:
    contact_online(str): a watched nick just came online (not the burst after connecting).
    watch_list_changed(list): the watched nicks after the user added or removed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal, Slot

from app.client.lines import ChatLine
from app.client.roles import AWAY_ROLE, ONLINE_ROLE, TEXT_ROLE, Index
from app.client.text import SERVER_ROOM, nick_of
from app.protocol.message import Message
from app.protocol.names import is_valid_nick
from app.protocol.serverinfo import ServerInfo

if TYPE_CHECKING:
    from app.client.session import ChatSession

MAX_TARGETS_BYTES = 400  # of one MONITOR line's targets: well within 512 with the rest
WELCOME_ENDS = ("376", "422")  # end of MOTD, or no MOTD: ISUPPORT has been said


@dataclass
class Contact:
    nick: str
    status: str = ""  # "online", "away", "offline", or "" (not known: not connected)
    away_text: str = ""


class ContactModel(QAbstractListModel):
    """The watched nicks, in case-folded order; DisplayRole and TEXT_ROLE the nick,
    ONLINE_ROLE and AWAY_ROLE booleans, ToolTipRole the status in words."""

    def __init__(self, info: ServerInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._info = info
        self._rows: list[Contact] = []

    def contacts(self) -> list[Contact]:
        return list(self._rows)

    def find(self, nick: str) -> Contact | None:
        folded = self._info.fold(nick)
        return next((c for c in self._rows if self._info.fold(c.nick) == folded), None)

    def reset(self, nicks: list[str]) -> None:
        self.beginResetModel()
        self._rows = sorted((Contact(n) for n in nicks), key=lambda c: self._info.fold(c.nick))
        self.endResetModel()

    def add(self, nick: str) -> None:
        key = self._info.fold(nick)
        row = next((i for i, c in enumerate(self._rows) if self._info.fold(c.nick) > key),
                   len(self._rows))
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, Contact(nick))
        self.endInsertRows()

    def remove(self, nick: str) -> None:
        contact = self.find(nick)
        if contact is None:
            return
        row = self._rows.index(contact)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    def set_status(self, contact: Contact, status: str, away_text: str = "") -> None:
        if (contact.status, contact.away_text) == (status, away_text):
            return
        contact.status, contact.away_text = status, away_text
        index = self.index(self._rows.index(contact))
        self.dataChanged.emit(index, index)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        contact = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, TEXT_ROLE):
            return contact.nick
        if role == ONLINE_ROLE:
            return contact.status in ("online", "away")
        if role == AWAY_ROLE:
            return contact.status == "away"
        if role == Qt.ItemDataRole.ToolTipRole:
            return status_words(contact)
        return None


def status_words(contact: Contact) -> str:
    """"online", "away: lunch", "offline", or "not known (not connected)"."""
    if contact.status == "away":
        return f"away: {contact.away_text}" if contact.away_text else "away"
    return contact.status or "not known (not connected)"


class Contacts(QObject):
    """The watched nicks of ``session`` and whether each is online (``model``)."""

    contact_online = Signal(str)
    watch_list_changed = Signal(list)

    def __init__(self, session: ChatSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.model = ContactModel(session.connection.info, self)
        self._asked: set[str] = set()  # folded nicks added whose status has not come yet
        self._monitoring = False  # the list went to the server on this connection
        session.connection.disconnected.connect(self._on_disconnected)

    # ---------------------------------------------------------------- the user's list
    def available(self) -> bool:
        """The server has MONITOR (known once registered)."""
        return "MONITOR" in self._session.connection.info.tokens

    def nicks(self) -> list[str]:
        return [c.nick for c in self.model.contacts()]

    def watched(self, nick: str) -> bool:
        return self.model.find(nick) is not None

    def set_watched(self, nicks: list[str]) -> None:
        """The list remembered from last time (no ``watch_list_changed``)."""
        unique: dict[str, str] = {}
        for nick in nicks:
            if is_valid_nick(nick.strip(), 64):
                unique.setdefault(self._fold(nick.strip()), nick.strip())
        self.model.reset(list(unique.values()))
        if self._monitoring:
            self._session.connection.send("MONITOR C")
            self._send_all()

    @Slot(str)
    def watch(self, nick: str) -> bool:
        """Watch ``nick``; False when it is not a nick or watched already."""
        nick = nick.strip()
        if not is_valid_nick(nick, 64) or self.watched(nick):
            return False
        self.model.add(nick)
        self.watch_list_changed.emit(self.nicks())
        if self._monitoring:
            limit = self._limit()
            if limit is not None and len(self.nicks()) > limit:
                self._say(f"The server watches at most {limit} contacts: {nick} is not watched.")
            else:
                self._monitor([nick])
        return True

    @Slot(str)
    def unwatch(self, nick: str) -> bool:
        contact = self.model.find(nick)
        if contact is None:
            return False
        self.model.remove(nick)
        self._asked.discard(self._fold(nick))
        self.watch_list_changed.emit(self.nicks())
        if self._monitoring:
            self._session.connection.send(f"MONITOR - {contact.nick}")
        return True

    # ---------------------------------------------------------------- the server
    def heard(self, msg: Message) -> bool:
        """Look at every message from the server; True for MONITOR's numerics (ours)."""
        code, p = msg.command, msg.params
        if code in WELCOME_ENDS and not self._monitoring and self.available():
            self._monitoring = True
            self._send_all()
        elif code == "730":
            for item in _targets(msg):
                self._online(item.partition("!")[0])
            return True
        elif code == "731":
            for nick in _targets(msg):
                self._offline(nick)
            return True
        elif code in ("732", "733"):
            return True
        elif code == "734":
            refused = [n for n in msg.param(2).split(",") if n]
            for nick in refused:
                self._asked.discard(self._fold(nick))
            self._say(f"Your contact list is full (the server allows {msg.param(1)}): "
                      f"{', '.join(refused) or 'some'} not watched.")
            return True
        elif code == "AWAY":
            contact = self.model.find(nick_of(msg.source))
            if contact is not None and contact.status in ("online", "away"):
                away = msg.param(0)
                self.model.set_status(contact, "away" if away else "online", away)
        elif code == "352" and len(p) >= 7:  # a WHO reply: H here, G gone
            contact = self.model.find(p[5])
            if contact is not None and contact.status in ("online", "away"):
                gone = p[6].startswith("G")
                self.model.set_status(contact, "away" if gone else "online", contact.away_text)
        return False

    def _online(self, nick: str) -> None:
        contact = self.model.find(nick)
        if contact is None:
            return
        key = self._fold(nick)
        answer = key in self._asked  # to our own MONITOR +: how it is, not an arrival
        self._asked.discard(key)
        was = contact.status
        if was not in ("online", "away"):
            self.model.set_status(contact, "online")
        caps = self._session.connection.caps
        if {"away-notify", "extended-monitor"} <= caps and was not in ("online", "away"):
            self._session.connection.send(f"WHO {contact.nick}")  # away already?
        if not answer and was not in ("online", "away"):
            self.contact_online.emit(contact.nick)

    def _offline(self, nick: str) -> None:
        contact = self.model.find(nick)
        if contact is not None:
            self._asked.discard(self._fold(nick))
            self.model.set_status(contact, "offline")

    def _send_all(self) -> None:
        nicks = self.nicks()
        limit = self._limit()
        if limit is not None and len(nicks) > limit:
            left = nicks[limit:]
            nicks = nicks[:limit]
            self._say(f"The server watches at most {limit} contacts: "
                      f"{', '.join(left)} {'is' if len(left) == 1 else 'are'} not watched.")
        self._monitor(nicks)

    def _monitor(self, nicks: list[str]) -> None:
        """``MONITOR + a,b,…`` in lines within the 512 bytes of a line."""
        line: list[str] = []
        size = 0
        for nick in nicks:
            self._asked.add(self._fold(nick))
            if line and size + len(nick.encode()) + 1 > MAX_TARGETS_BYTES:
                self._session.connection.send(f"MONITOR + {','.join(line)}")
                line, size = [], 0
            line.append(nick)
            size += len(nick.encode()) + 1
        if line:
            self._session.connection.send(f"MONITOR + {','.join(line)}")

    def _limit(self) -> int | None:
        value = self._session.connection.info.tokens.get("MONITOR")
        return int(value) if value and value.isdecimal() and int(value) > 0 else None

    @Slot(str)
    def _on_disconnected(self, _reason: str) -> None:
        self._monitoring = False
        self._asked.clear()
        for contact in self.model.contacts():
            self.model.set_status(contact, "")

    def _say(self, text: str) -> None:
        self._session.add_line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))

    def _fold(self, name: str) -> str:
        return self._session.connection.info.fold(name)


def _targets(msg: Message) -> list[str]:
    return [item for item in msg.param(1).split(",") if item]
