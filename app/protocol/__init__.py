"""The IRC protocol, pure Python: no Qt import, no sockets.

Parsing and serialising lines, framing and limits, case mapping, nick and channel rules,
numerics by name and ISUPPORT. The server and the client share this layer.
"""
