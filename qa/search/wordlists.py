"""Every text's analysed words (`Analyzer.word_list`) and every word's stem, kept from one build to the next by the
sha256 of the text, so a rebuild analyses only the texts that changed.

    <cache>/analysis/<key>.words    the last build's word lists, `key` a hash of the analyzer's code and libraries

One file, replaced by each build (the older ones deleted): its texts' sha256, each text's number of words, every
word as an id into its list of distinct words (in order of first appearance), and each distinct word's stem. The
file carries the sha256 of its content, checked when it is read: a damaged file is deleted and every text analysed
again, so it can cost time but never change a build. Whatever is reused, `analyze` gives what analysing every text
would.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.search.analyzer import Analyzer

FOLDER = "analysis"
MAGIC = b"qa-words-1\n"
# What only a build with a cache needs is imported there (logging, uuid, qa.util.buildcache): a build without
# one (bench.scale's, under an address-space cap) loads no more than it did before this module.


@dataclass(frozen=True)
class Analysed:
    """The words of a list of texts: `tokens[k]` is the k-th word of all the texts in order as an index into
    `words` (the distinct words in order of first appearance), `lengths[i]` the number of words of text i."""

    tokens: np.ndarray  # intc
    lengths: np.ndarray  # int64
    words: list[str]


def analyze(
    texts: Sequence[str],
    analyzer: Analyzer,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysed:
    """Every text's words; with `cache` (a build cache folder) the word lists and stems of texts the last build
    analysed are read back instead (the analyzer's stem cache is filled with them) and this build's are kept
    there. `progress(done, total)` every 1,000 texts."""
    known = _read(cache, analyzer) if cache is not None else None
    ids = _FirstSeen({w: i for i, w in enumerate(known.words)} if known is not None else {})
    lookup = ids.__getitem__
    if known is not None:
        rows = known.rows
    digests = [_digest(t) for t in texts] if cache is not None else []
    pieces: list[np.ndarray] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        row = rows.get(digests[i]) if known is not None else None
        if row is not None:
            piece = known.tokens[known.starts[row] : known.starts[row + 1]]  # type: ignore[union-attr]
        else:
            piece = np.frombuffer(array("i", map(lookup, analyzer.word_list(text))), dtype=np.intc)  # C-speed map
        pieces.append(piece)
        lengths[i] = len(piece)
        if progress is not None and (i % 1000 == 999 or i == len(texts) - 1):
            progress(i + 1, len(texts))
    result = _first_seen(pieces, lengths, list(ids))
    if cache is not None:
        _write(cache, analyzer, digests, result)
    return result


class _FirstSeen(dict):
    """word -> id; a missing word gets the next id when looked up."""

    def __missing__(self, word: str) -> int:
        self[word] = n = len(self)
        return n


def _first_seen(pieces: list[np.ndarray], lengths: np.ndarray, words: list[str]) -> Analysed:
    """The tokens renumbered so that words are numbered in order of first appearance (unused words dropped)."""
    tokens = np.concatenate(pieces).astype(np.intc, copy=False) if pieces else np.zeros(0, dtype=np.intc)
    used, first = np.unique(tokens, return_index=True)
    order = used[np.argsort(first)]
    renumber = np.zeros(max(len(words), 1), dtype=np.intc)
    renumber[order] = np.arange(len(order), dtype=np.intc)
    return Analysed(renumber[tokens], lengths, [words[i] for i in order.tolist()])


@dataclass(frozen=True)
class _Known:
    rows: dict[bytes, int]  # sha256 of a text -> its row
    starts: np.ndarray  # row i's tokens are tokens[starts[i]:starts[i + 1]]
    tokens: np.ndarray
    words: list[str]


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _path(cache: Path, analyzer: Analyzer) -> Path:
    from qa.util.buildcache import code_fingerprint

    key = hashlib.sha256(
        json.dumps([code_fingerprint("qa.search.analyzer"), analyzer.to_dict()], sort_keys=True).encode()
    )
    return cache / FOLDER / f"{key.hexdigest()[:16]}.words"


def _read(cache: Path, analyzer: Analyzer) -> _Known | None:
    """The last build's word lists (None when there are none, or they are damaged: then deleted); the
    analyzer's stem cache is filled with their stems."""
    path = _path(cache, analyzer)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        payload = data[len(MAGIC) + 32 :]
        if not data.startswith(MAGIC) or hashlib.sha256(payload).digest() != data[len(MAGIC) : len(MAGIC) + 32]:
            raise ValueError("fails its checksum")
        n, n_tokens, head = (int(x) for x in np.frombuffer(payload[:24], dtype="<u8"))
        meta = json.loads(payload[24 : 24 + head])
        at = 24 + head
        digests = payload[at : at + 32 * n]
        starts = np.frombuffer(payload, dtype="<i8", count=n + 1, offset=at + 32 * n)
        tokens = np.frombuffer(payload, dtype="<i4", count=n_tokens, offset=at + 32 * n + 8 * (n + 1))
        words, stems = meta["words"], meta["stems"]
        if len(words) != len(stems) or (n_tokens and int(tokens.max()) >= len(words)) or starts[-1] != n_tokens:
            raise ValueError("its parts do not fit together")
    except (ValueError, KeyError, TypeError) as exc:
        import logging

        logging.getLogger(__name__).warning("word lists %s are damaged (%s): analysing every text again", path, exc)
        path.unlink(missing_ok=True)
        return None
    analyzer.remember(zip(words, stems, strict=True))
    rows = {digests[32 * i : 32 * i + 32]: i for i in range(n)}
    return _Known(rows, starts, tokens, words)


def _write(cache: Path, analyzer: Analyzer, digests: list[bytes], analysed: Analysed) -> None:
    """Keep this build's word lists (the one file of the folder, written atomically)."""
    path = _path(cache, analyzer)
    meta = json.dumps(
        {"words": analysed.words, "stems": [analyzer.stem(w) for w in analysed.words]}, ensure_ascii=False
    ).encode()
    starts = np.zeros(len(digests) + 1, dtype="<i8")
    np.cumsum(analysed.lengths, out=starts[1:])
    payload = b"".join(
        [
            np.array([len(digests), len(analysed.tokens), len(meta)], dtype="<u8").tobytes(),
            meta,
            b"".join(digests),
            starts.tobytes(),
            analysed.tokens.astype("<i4", copy=False).tobytes(),
        ]
    )
    import uuid

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:12]}")
    try:
        tmp.write_bytes(MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for other in path.parent.glob("*.words"):
        if other != path:
            other.unlink(missing_ok=True)
