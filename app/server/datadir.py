"""Where a server keeps its files when nobody says: the user's app-data folder, one per port.

QtCore only (the headless server loads no GUI module). GenericDataLocation, not AppDataLocation,
so the folder does not depend on QCoreApplication's organisation and application names: the
headless server (which sets none) and "Host a chat" in the app find the same history.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def default_data_dir(port: int) -> Path | None:
    """``<data folder>/chatbox/servers/<port>`` (on Linux ``$XDG_DATA_HOME``, else
    ``~/.local/share``); None for port 0, whose history stays in memory: a random port is
    never the same server again. Also None when Qt knows no data folder. Creates nothing.
    """
    if port == 0:
        return None
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    if not base:
        return None  # a relative path here would put history wherever the process started
    return Path(base) / "chatbox" / "servers" / str(port)
