"""Chatbox: a desktop group chat with a bundled IRC server."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chatbox")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+source"
