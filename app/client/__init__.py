"""The Chatbox IRC client engine: QtCore/QtNetwork only, built on app/protocol.

``connection`` speaks IRC over one QTcpSocket; ``session`` turns what arrives into the item
models (``models``) the windows bind to, and what the user types into IRC.
"""
