"""Thumbnails of images in the conversation, decoded off the GUI thread.

QImageReader decodes in a QThreadPool worker, asked for the thumbnail's size up front (a
JPEG is then decoded at a fraction of its full size, so a 20-megapixel photo costs the
worker milliseconds and the GUI thread nothing). The QImage comes back by a queued signal
and becomes a QPixmap in the GUI thread; pixmaps are kept in a small LRU cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

THUMB = QSize(240, 160)
CACHE_SIZE = 200
MAX_PIXELS = 200_000_000  # refuse to decode absurd images (decompression bombs)


class _Done(QObject):
    """Carries a decoded image from a worker thread to the GUI thread (queued)."""

    decoded = Signal(str, QImage, str)  # path, image (null on failure), the decoding thread


class _Decode(QRunnable):
    def __init__(self, path: str, done: _Done) -> None:
        super().__init__()
        self._path = path
        self._done = done

    def run(self) -> None:
        reader = QImageReader(self._path)
        reader.setAutoTransform(True)  # camera photos come the right way up
        size = reader.size()
        image = QImage()
        if size.isValid() and size.width() * size.height() <= MAX_PIXELS:
            reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
            image = reader.read()
        self._done.decoded.emit(self._path, image, str(threading.get_ident()))


class ThumbnailCache(QObject):
    """Signals: ready(str): the thumbnail of this file can be drawn now."""

    ready = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pixmaps: OrderedDict[str, QPixmap | None] = OrderedDict()  # None: unreadable
        self._loading: set[str] = set()
        self._done = _Done(self)
        self._done.decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.decoded_in: list[str] = []  # worker thread of each decode (tests check it)

    def get(self, path: str) -> QPixmap | None:
        """The thumbnail, or None while it loads (or if the file is not an image)."""
        if path in self._pixmaps:
            self._pixmaps.move_to_end(path)
            return self._pixmaps[path]
        if path not in self._loading:
            self._loading.add(path)
            self.pool.start(_Decode(path, self._done))
        return None

    def failed(self, path: str) -> bool:
        return path in self._pixmaps and self._pixmaps[path] is None

    @Slot(str, QImage, str)
    def _on_decoded(self, path: str, image: QImage, thread: str) -> None:
        self._loading.discard(path)
        self.decoded_in.append(thread)
        self._pixmaps[path] = None if image.isNull() else QPixmap.fromImage(image)
        while len(self._pixmaps) > CACHE_SIZE:
            self._pixmaps.popitem(last=False)
        self.ready.emit(path)
