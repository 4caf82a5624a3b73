"""Named loggers (``chatbox.protocol``, ``chatbox.server``, ``chatbox.client``, ``chatbox.ui``)
and the one place that sets up logging for a process."""

from __future__ import annotations

import logging
import sys


def setup_logging(level: int = logging.INFO) -> None:
    """Log to stderr, one line per event: ``2026-11-24 22:12:46 INFO server: ...``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger("chatbox")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
