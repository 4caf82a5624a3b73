"""Reference server: a plain asyncio IRC fan-out, the obvious way to write one.

Minimal IRC: NICK/USER -> 001, JOIN -> JOIN to all members + 353/366, PRIVMSG #chan -> the
same line with the sender's prefix written to every other member with ``writer.write``,
PING -> PONG, QUIT. Everything else is ignored. Run ``python -m app.bench.ref_asyncio``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

NAME = b"ref.asyncio"


class Hub:
    """Channels by name: member writers keyed by their nick."""

    def __init__(self) -> None:
        self.channels: dict[bytes, dict[asyncio.StreamWriter, bytes]] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nick = b""
        user = b""
        host = str(writer.get_extra_info("peername")[0]).encode()
        registered = False
        joined: list[bytes] = []
        try:
            while line := await reader.readline():
                line = line.rstrip(b"\r\n")
                command, _, rest = line.partition(b" ")
                command = command.upper()
                if command == b"PRIVMSG" and registered:
                    target, _, text = rest.partition(b" ")
                    members = self.channels.get(target)
                    if members is not None and writer in members:
                        data = b":%s!%s@%s PRIVMSG %s %s\r\n" % (nick, user, host, target, text)
                        for other in members:
                            if other is not writer:
                                other.write(data)
                elif command == b"PING":
                    writer.write(b":%s PONG %s %s\r\n" % (NAME, NAME, rest))
                elif command == b"NICK":
                    nick = rest.removeprefix(b":")
                elif command == b"USER":
                    user = rest.partition(b" ")[0]
                elif command == b"JOIN" and registered:
                    target = rest.partition(b" ")[0]
                    members = self.channels.setdefault(target, {})
                    members[writer] = nick
                    joined.append(target)
                    data = b":%s!%s@%s JOIN %s\r\n" % (nick, user, host, target)
                    for other in members:
                        other.write(data)
                    writer.write(
                        b":%s 353 %s = %s :%s\r\n:%s 366 %s %s :End of /NAMES list.\r\n"
                        % (NAME, nick, target, b" ".join(members.values()), NAME, nick, target)
                    )
                elif command == b"QUIT":
                    break
                if not registered and nick and user:
                    registered = True
                    writer.write(b":%s 001 %s :Welcome\r\n" % (NAME, nick))
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            for target in joined:
                members = self.channels.get(target, {})
                members.pop(writer, None)
                if not members:
                    self.channels.pop(target, None)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def serve(host: str, port: int) -> None:
    hub = Hub()
    server = await asyncio.start_server(hub.handle, host, port)
    bound = server.sockets[0].getsockname()
    print(f"listening on {bound[0]}:{bound[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
