"""Advertise a server on the LAN with DNS-SD over multicast DNS: ``_irc._tcp`` for the plain
port, ``_ircs._tcp`` for the TLS port, and our TXT record (app/protocol/dnssd.py).

python-zeroconf runs its own asyncio loop in its own thread. Its blocking calls (probing
for a unique name, about 1.5 s; the goodbye packets, about 0.3 s) run on one worker thread
of ours, so the Qt event loop never waits for them; results come back through a queued
signal (see app/client/discovery.py for the rule this relies on). zeroconf is imported on
that thread too, the first time it is needed: the server and the app start no slower.

Nothing is advertised when ``CHATBOX_NO_MDNS`` is set (:func:`app.protocol.dnssd.mdns_off`),
nor for a server that listens on loopback only, and multicast goes out only on the
interfaces the server listens on (for ``0.0.0.0``: every interface that is up and can
multicast, never loopback). The log says which and why.

Signals:
    published(list): the services are on the network; their instance names (a name taken
        by another server gets ``-2`` appended).
    withdrawn(): the goodbye packets went out; browsers drop the chat at once.
    failed(str): advertising could not start, in words.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtNetwork import QHostAddress

from app.net.interfaces import multicast_addresses
from app.protocol.dnssd import (
    DEFAULT_ROOM,
    MDNS_OFF_ENV,
    PLAIN_TYPE,
    TLS_TYPE,
    ChatTxt,
    encode_txt,
    instance_name,
    mdns_off,
)

if TYPE_CHECKING:
    from zeroconf import ServiceInfo, Zeroconf

    from app.server.listener import ChatServer

log = logging.getLogger("chatbox.server")

# Record lifetimes. A host that vanishes without goodbyes (a laptop lid shut, a crash) falls
# off browsers' lists when its records expire: 2 minutes, instead of RFC 6762's 75 minutes
# for PTR records; browsers re-ask at 80% of that, which costs a packet a minute or so.
TTL_S = 120
PUBLISH_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Announcement:
    """What to advertise about one server."""

    server: str  # its name, shown in lists
    listen_address: str  # as bound: "0.0.0.0" or "::" for every interface
    port: int = 0  # 0: no plain port
    tls_port: int = 0  # 0: no TLS port
    nick: str = ""  # the host's nick, for a hosted chat
    room: str = DEFAULT_ROOM

    @classmethod
    def of(cls, server: ChatServer, nick: str = "", room: str = DEFAULT_ROOM) -> Announcement:
        return cls(server.core.config.name, server.address, server.port, server.tls_port,
                   nick, room)


def publish_addresses(listen_address: str) -> tuple[list[str], str]:
    """The addresses to advertise for a server bound to ``listen_address``, or none and why.

    Every interface (``0.0.0.0``, ``::``): their IPv4 addresses. One address: that one,
    unless it is loopback.
    """
    address = QHostAddress(listen_address)
    if address.isNull():
        return [], f"cannot tell which network {listen_address!r} is on"
    if address.isLoopback():
        return [], f"the server listens on loopback only ({listen_address})"
    if listen_address in ("0.0.0.0", "::"):
        found = multicast_addresses()
        return found, "" if found else "no network interface here can multicast"
    return [listen_address.partition("%")[0]], ""


def target_host(port: int) -> str:
    """The SRV target: our own host name, never the machine's (``host.local`` is the system
    responder's, and claiming it with other addresses would be a conflict)."""
    label = "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())
    return f"{label.strip('-')[:40] or 'chatbox'}-chatbox-{port}.local."


class Advertiser(QObject):
    published = Signal(list)
    withdrawn = Signal()
    failed = Signal(str)
    _reported = Signal(object)  # ("published", names) | ("withdrawn",) | ("failed", text)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reported.connect(self._on_reported, Qt.ConnectionType.QueuedConnection)
        self._pool: ThreadPoolExecutor | None = None
        self._last: Future[None] | None = None
        self._zc: Zeroconf | None = None  # touched only on the worker thread
        self.active = False  # start() was called and stop() not yet

    def start(self, announcement: Announcement) -> bool:
        """Publish in the background (what was published before is withdrawn first);
        False, and a log line saying why, when nothing is advertised."""
        self.stop()
        if mdns_off():
            log.info("LAN advertising is off (%s is set)", MDNS_OFF_ENV)
            return False
        addresses, why = publish_addresses(announcement.listen_address)
        if not addresses:
            log.info("not advertising on the LAN: %s", why)
            return False
        services = [(t, p) for t, p in ((PLAIN_TYPE, announcement.port),
                                        (TLS_TYPE, announcement.tls_port)) if p]
        if not services:
            return False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chatbox-mdns")
        self.active = True
        self._last = self._pool.submit(self._publish, announcement, addresses, services)
        return True

    def stop(self) -> None:
        """Withdraw (goodbye packets) in the background; ``withdrawn`` follows."""
        if self._pool is None or not self.active:
            return
        self.active = False
        self._last = self._pool.submit(self._withdraw)

    def wait(self, timeout_s: float = 5.0) -> bool:
        """Block until the background work is done (a process about to exit: the goodbye
        packets must go out first). True when it finished in time."""
        if self._last is None:
            return True
        try:
            self._last.result(timeout_s)
        except FutureTimeout:
            return False
        QCoreApplication.sendPostedEvents(self)  # the report: logged even after the loop ended
        return True

    # ------------------------------------------------------------ the worker thread
    def _report(self, *event: object) -> None:
        with contextlib.suppress(RuntimeError):  # the QObject is gone: nobody listens
            self._reported.emit(event)

    def _publish(
        self, announcement: Announcement, addresses: list[str], services: list[tuple[str, int]]
    ) -> None:
        try:
            import asyncio

            from zeroconf import ServiceInfo, Zeroconf

            txt = encode_txt(ChatTxt(announcement.server, announcement.nick, announcement.room))
            name = instance_name(announcement.server, announcement.nick)
            host = target_host(announcement.port or announcement.tls_port)
            infos = [
                ServiceInfo(kind, f"{name}.{kind}", port=port, properties=txt, server=host,
                            parsed_addresses=addresses, host_ttl=TTL_S, other_ttl=TTL_S)
                for kind, port in services
            ]
            self._zc = Zeroconf(interfaces=list(addresses))
            assert self._zc.loop is not None
            asyncio.run_coroutine_threadsafe(
                _register(self._zc, infos), self._zc.loop
            ).result(PUBLISH_TIMEOUT_S)
        except Exception as exc:  # zeroconf's errors, OSError, a timeout: all said in words
            self._close_zeroconf()
            self._report("failed", f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc))
            return
        self._report("published", [info.name for info in infos], addresses)

    def _withdraw(self) -> None:
        if self._zc is not None:
            self._close_zeroconf()
            self._report("withdrawn")

    def _close_zeroconf(self) -> None:
        zc, self._zc = self._zc, None
        if zc is not None:
            try:
                zc.close()  # sends the goodbyes for every registered service
            except Exception as exc:
                log.debug("closing zeroconf: %r", exc)

    # ------------------------------------------------------------ back on the Qt thread
    @Slot(object)
    def _on_reported(self, event: tuple[object, ...]) -> None:
        kind = event[0]
        if kind == "published":
            names, addresses = event[1], event[2]
            assert isinstance(names, list) and isinstance(addresses, list)
            log.info("advertising on the LAN: %s at %s", "; ".join(names), ", ".join(addresses))
            self.published.emit(names)
        elif kind == "withdrawn":
            log.info("LAN advertising stopped")
            self.withdrawn.emit()
        else:
            self.active = False
            log.warning("cannot advertise on the LAN: %s", event[1])
            self.failed.emit(str(event[1]))


async def _register(zc: Zeroconf, infos: list[ServiceInfo]) -> None:
    """Probe for every name at once, then wait for the announcements to go out."""
    import asyncio

    announced = await asyncio.gather(
        *(zc.async_register_service(info, allow_name_change=True) for info in infos)
    )
    await asyncio.gather(*announced)
