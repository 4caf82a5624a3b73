"""Pictures behind links: fetched only when allowed, only pictures, shown under the line."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from app.client.models import ChatLine
from app.client.session import ChatSession
from tests.client.conftest import MakeSession


class Site:
    """A small web server on 127.0.0.1 that records what was asked of it."""

    def __init__(self, files: dict[str, tuple[str, bytes]]) -> None:
        self.asked: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.asked.append(self.path)
                kind, body = files.get(self.path, ("text/plain", b"not found"))
                self.send_response(200 if self.path in files else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    image = QImage(50, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("green"))
    image.save(str(tmp_path / "pic.png"))
    png = (tmp_path / "pic.png").read_bytes()
    served = Site({"/a.png": ("image/png", png), "/b.png": ("image/png", png),
                   "/fake.png": ("text/html", b"<html>not a picture</html>")})
    yield served
    served.close()


def lines_of(chat: ChatSession, room: str) -> list[ChatLine]:
    found = chat.rooms.get(room)
    assert found is not None
    return [ln for ln in found.messages.lines() if ln.kind == "message"]


def test_linked_pictures_are_fetched_only_when_allowed_and_shown_under_the_line(
    qtbot: QtBot, session: MakeSession, site: Site, tmp_path: Path
) -> None:
    alice = session("alice", channels=("#pics",))
    bob = session("bob", channels=("#pics",))
    alice.link_images.folder = tmp_path / "cache"
    bob.send_input(f"look {site.url}/a.png", "#pics")
    qtbot.waitUntil(lambda: len(lines_of(alice, "#pics")) == 1)
    alice.link_images.enabled = True  # the user allows it from now on
    bob.send_input(f"and {site.url}/b.png and {site.url}/fake.png", "#pics")
    qtbot.waitUntil(
        lambda: len(lines_of(alice, "#pics")) == 2 and bool(lines_of(alice, "#pics")[1].image),
        timeout=5000,
    )
    first, second = lines_of(alice, "#pics")
    assert first.image == ""  # posted before it was allowed: never fetched
    assert Path(second.image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(second.image).parent == tmp_path / "cache"
    qtbot.waitUntil(lambda: sorted(site.asked) == ["/b.png", "/fake.png"], timeout=5000)
    assert len(list((tmp_path / "cache").iterdir())) == 1  # the HTML behind .png: not kept
    assert lines_of(bob, "#pics")[1].image == ""  # bob did not allow it
