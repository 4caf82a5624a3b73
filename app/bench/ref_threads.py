"""Reference server: thread per client, broadcast under one lock, like the original Chatbox.

The same minimal IRC subset as ``ref_asyncio``; each PRIVMSG to a channel is sent to every
other member with ``sock.sendall`` while holding the server lock. Run
``python -m app.bench.ref_threads``.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading

NAME = b"ref.threads"


class ThreadServer:
    """Accepts in the main thread; one daemon thread reads and handles each client."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.lock = threading.Lock()
        self.channels: dict[bytes, dict[socket.socket, bytes]] = {}

    def serve_forever(self) -> None:
        while True:
            sock, addr = self.listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self.client, args=(sock, addr[0]), daemon=True)
            thread.start()

    def client(self, sock: socket.socket, peer: str) -> None:
        nick = b""
        user = b""
        host = peer.encode()
        registered = False
        joined: list[bytes] = []
        buffer = b""
        try:
            while chunk := sock.recv(4096):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    line = raw.rstrip(b"\r")
                    command, _, rest = line.partition(b" ")
                    command = command.upper()
                    if command == b"PRIVMSG" and registered:
                        target, _, text = rest.partition(b" ")
                        data = b":%s!%s@%s PRIVMSG %s %s\r\n" % (nick, user, host, target, text)
                        self.broadcast(target, data, sock)
                    elif command == b"PING":
                        sock.sendall(b":%s PONG %s %s\r\n" % (NAME, NAME, rest))
                    elif command == b"NICK":
                        nick = rest.removeprefix(b":")
                    elif command == b"USER":
                        user = rest.partition(b" ")[0]
                    elif command == b"JOIN" and registered:
                        target = rest.partition(b" ")[0]
                        self.join(target, sock, nick, user, host)
                        joined.append(target)
                    elif command == b"QUIT":
                        return
                    if not registered and nick and user:
                        registered = True
                        sock.sendall(b":%s 001 %s :Welcome\r\n" % (NAME, nick))
        except OSError:
            pass
        finally:
            with self.lock:
                for target in joined:
                    members = self.channels.get(target, {})
                    members.pop(sock, None)
                    if not members:
                        self.channels.pop(target, None)
            sock.close()

    def join(self, target: bytes, sock: socket.socket, nick: bytes, user: bytes,
             host: bytes) -> None:
        with self.lock:
            members = self.channels.setdefault(target, {})
            members[sock] = nick
            names = b" ".join(members.values())
        self.broadcast(target, b":%s!%s@%s JOIN %s\r\n" % (nick, user, host, target), None)
        sock.sendall(
            b":%s 353 %s = %s :%s\r\n:%s 366 %s %s :End of /NAMES list.\r\n"
            % (NAME, nick, target, names, NAME, nick, target)
        )

    def broadcast(self, target: bytes, data: bytes, sender: socket.socket | None) -> None:
        with self.lock:
            for member in self.channels.get(target, {}):
                if member is not sender:
                    with contextlib.suppress(OSError):
                        member.sendall(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    listener = socket.create_server((args.host, args.port))
    host, port = listener.getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        ThreadServer(listener).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
