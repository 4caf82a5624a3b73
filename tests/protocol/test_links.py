"""Links in text, and which of them are pictures."""

from __future__ import annotations

from app.protocol.links import image_links, links


def test_links_end_before_trailing_punctuation() -> None:
    text = "see https://example.org/a?b=1. and (http://x.test/y)"
    assert [url for _s, _e, url in links(text)] == ["https://example.org/a?b=1",
                                                   "http://x.test/y"]


def test_picture_links_by_their_path() -> None:
    text = ("https://a.test/cat.JPG?size=big https://a.test/page.html "
            "https://a.test/cat.JPG?size=big https://a.test/pic.webp#frag ftp://a.test/x.png")
    assert image_links(text) == ["https://a.test/cat.JPG?size=big", "https://a.test/pic.webp#frag"]
