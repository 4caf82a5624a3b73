"""Links in message text: where they are, and which ones point at pictures. Pure."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")


def links(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` for each http(s) link in ``text``."""
    return [(m.start(), m.end(), m.group()) for m in URL_RE.finditer(text)]


def image_links(text: str) -> list[str]:
    """The links whose path ends like a picture file (``…/photo.JPG?size=large`` too)."""
    found = []
    for _start, _end, url in links(text):
        path = urlsplit(url).path.lower()
        if path.endswith(IMAGE_SUFFIXES) and url not in found:
            found.append(url)
    return found
