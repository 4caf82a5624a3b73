"""``chatbox`` / ``python -m app``: the composition root.

The desktop app (start screen, chat window) is the next step; until it lands, Chatbox runs
its server, with the same flags as ``chatbox-server``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app.server.cli import main as server_main


def main(argv: Sequence[str] | None = None) -> int:
    print(
        "Chatbox: the desktop window is not there yet; starting the Chatbox server "
        "(connect with any IRC client). Ctrl+C stops it.",
        file=sys.stderr,
    )
    return server_main(argv)


if __name__ == "__main__":
    sys.exit(main())
