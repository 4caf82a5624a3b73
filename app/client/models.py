"""Item models the windows bind to: rooms, members of a room, messages of a room.

One module each (room_model.py, member_model.py, message_model.py), the lines themselves in
lines.py and the roles in roles.py; this module gathers them for the rest of the client.
"""

from __future__ import annotations

from app.client.lines import ChatLine, Reaction, ReplyPreview, reaction_totals
from app.client.member_model import Member, MemberModel
from app.client.message_model import MessageModel
from app.client.roles import (
    HIGHLIGHT_ROLE,
    KIND_ROLE,
    LINE_ROLE,
    MARKER_ROLE,
    MODES_ROLE,
    OWN_ROLE,
    ROOM_KIND_ROLE,
    SENDER_ROLE,
    TEXT_ROLE,
    TIME_ROLE,
    UNREAD_ROLE,
    Index,
)
from app.client.room_model import Room, RoomModel

__all__ = [
    "HIGHLIGHT_ROLE",
    "KIND_ROLE",
    "LINE_ROLE",
    "MARKER_ROLE",
    "MODES_ROLE",
    "OWN_ROLE",
    "ROOM_KIND_ROLE",
    "SENDER_ROLE",
    "TEXT_ROLE",
    "TIME_ROLE",
    "UNREAD_ROLE",
    "ChatLine",
    "Index",
    "Member",
    "MemberModel",
    "MessageModel",
    "Reaction",
    "ReplyPreview",
    "Room",
    "RoomModel",
    "reaction_totals",
]
