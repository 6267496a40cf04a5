"""A page's text as a reader sees it, extracted independently of qa (the standard library's HTML parser;
scripts, styles and the head dropped), and the normalisation the question sets are scored by: for checking
gold snippets and absences."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from qa.evaluation.evaluate import normalize

HIDDEN = frozenset({"script", "style", "head", "noscript", "template"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.hidden += tag in HIDDEN

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.pieces.append(data)


@lru_cache(maxsize=1024)
def page_text(path: Path) -> str:
    """Visible text of an HTML page (text pieces separated by spaces, runs of whitespace collapsed)."""
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.pieces)).strip()


@lru_cache(maxsize=1024)
def normalized_page(path: Path) -> str:
    """page_text reduced to lowercase letters and digits (qa.evaluation.evaluate.normalize)."""
    return normalize(page_text(path))
