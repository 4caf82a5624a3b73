"""The Chatbox IRC server: a pure core (no Qt) inside a thin QtNetwork shell.

``core`` and the command modules hold nicks, channels and modes and answer with bytes for
each recipient; ``listener`` moves those bytes over QTcpSockets on the Qt event loop.
"""
