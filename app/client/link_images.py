"""Pictures behind links posted in a room, fetched only when the user allows it.

A link whose path ends in an image suffix is fetched with QNetworkAccessManager (on the
event loop, no thread), at most MAX_BYTES and only if the server says it is an image; the
bytes land in the cache folder under a name made from the URL, and ``ready(url, path)``
tells the session, which shows the picture under the message. Nothing is fetched while
``enabled`` is False: a link then stays a link, and no one learns we read it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QUrl, Signal, Slot
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from app.protocol.formatting import strip_formatting
from app.protocol.links import image_links

log = logging.getLogger("chatbox.client")

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_MS = 15_000


def cache_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    base = Path(found) if found else Path.home() / ".cache"
    return base / "chatbox-images"


class LinkImages(QObject):
    """Signals: ready(str url, str path): the picture of ``url`` is in ``path``."""

    ready = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = False
        self.folder = cache_folder()
        self._network = QNetworkAccessManager(self)
        self._pending: dict[QNetworkReply, str] = {}
        self._done: dict[str, str] = {}  # url → path, fetched already

    def fetch_from(self, text: str) -> list[str]:
        """Start fetching the picture links in ``text``; returns the links taken up."""
        if not self.enabled:
            return []
        urls = image_links(strip_formatting(text))  # "\x02http://…/a.png\x02" too
        for url in urls:
            if url in self._done:
                self.ready.emit(url, self._done[url])
            elif url not in self._pending.values():
                request = QNetworkRequest(QUrl(url))
                request.setTransferTimeout(TIMEOUT_MS)
                request.setAttribute(
                    QNetworkRequest.Attribute.RedirectPolicyAttribute,
                    QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy,
                )
                reply = self._network.get(request)
                self._pending[reply] = url
                reply.metaDataChanged.connect(lambda r=reply: self._check_headers(r))
                reply.downloadProgress.connect(
                    lambda got, _total, r=reply: self._check_size(r, got)
                )
                reply.finished.connect(lambda r=reply: self._finished(r))
        return urls

    def _check_headers(self, reply: QNetworkReply) -> None:
        kind = str(reply.header(QNetworkRequest.KnownHeaders.ContentTypeHeader) or "")
        length = reply.header(QNetworkRequest.KnownHeaders.ContentLengthHeader)
        if kind and not kind.lower().startswith("image/"):
            log.info("not a picture (%s): %s", kind, self._pending.get(reply))
            reply.abort()
        elif isinstance(length, int) and length > MAX_BYTES:
            reply.abort()

    def _check_size(self, reply: QNetworkReply, got: int) -> None:
        if got > MAX_BYTES:
            reply.abort()

    @Slot()
    def _finished(self, reply: QNetworkReply) -> None:
        url = self._pending.pop(reply, "")
        reply.deleteLater()
        if reply.error() != QNetworkReply.NetworkError.NoError or not url:
            return
        data = bytes(reply.readAll().data())
        if not data or len(data) > MAX_BYTES:
            return
        suffix = Path(QUrl(url).path()).suffix.lower()[:6]
        path = self.folder / (hashlib.sha256(url.encode()).hexdigest()[:32] + suffix)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            log.warning("cannot keep the picture of %s: %s", url, exc)
            return
        self._done[url] = str(path)
        self.ready.emit(url, str(path))
