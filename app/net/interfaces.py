"""The machine's network interfaces, as the LAN advertiser and browser need them."""

from __future__ import annotations

from PySide6.QtNetwork import QAbstractSocket, QNetworkInterface


def multicast_addresses() -> list[str]:
    """The IPv4 addresses of every interface that is up, can multicast and is not loopback."""
    wanted = QNetworkInterface.InterfaceFlag.IsUp | QNetworkInterface.InterfaceFlag.CanMulticast
    out = []
    for interface in QNetworkInterface.allInterfaces():
        flags = interface.flags()
        if (flags & wanted) != wanted or flags & QNetworkInterface.InterfaceFlag.IsLoopBack:
            continue
        for entry in interface.addressEntries():
            ip = entry.ip()
            if ip.protocol() == QAbstractSocket.NetworkLayerProtocol.IPv4Protocol:
                out.append(ip.toString())
    return out
