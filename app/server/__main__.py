"""``python -m app.server``: the same as ``chatbox-server``."""

from __future__ import annotations

import sys

from app.server.cli import main

if __name__ == "__main__":
    sys.exit(main())
