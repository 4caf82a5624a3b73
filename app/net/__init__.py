"""Network and process code both the server and the client use (QtCore/QtNetwork only)."""
