"""Passages stored as plain columns (UTF-8 blobs + numpy arrays) that load memory-mapped and lazily."""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.models import Document, Passage, Reference, Sentence, Span

KINDS = ("passage", "reference")


def _write_blob(directory: Path, name: str, strings: Sequence[str]) -> list[str]:
    """Write strings as one UTF-8 blob plus an int64 offsets array; return the file names."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    (directory / f"{name}.bin").write_bytes(b"".join(encoded))
    np.save(directory / f"{name}_offsets.npy", offsets)
    return [f"{name}.bin", f"{name}_offsets.npy"]


class _Blob:
    """Read side of _write_blob: item i decoded on demand from a memory-mapped buffer."""

    def __init__(self, directory: Path, name: str, mmap: bool) -> None:
        self.offsets = np.asarray(np.load(directory / f"{name}_offsets.npy", mmap_mode="r" if mmap else None))
        path = directory / f"{name}.bin"
        if path.stat().st_size == 0:
            self.data = np.zeros(0, dtype=np.uint8)
        else:
            self.data = np.asarray(np.memmap(path, dtype=np.uint8, mode="r")) if mmap else np.fromfile(path, np.uint8)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return self.data[int(self.offsets[i]) : int(self.offsets[i + 1])].tobytes().decode("utf-8")


_COLUMNS = (
    "doc",
    "ordinal",
    "kind",
    "section",
    "heading_path",
    "source_start",
    "source_end",
    "reference",
    "previous",
    "next",
    "sent_ptr",
    "sent_start",
    "sent_end",
    "sent_src_start",
    "sent_src_end",
    "id_order",
)


def write_store(
    directory: Path,
    documents: Sequence[Document],
    passages: Sequence[Passage],
    references: Sequence[Reference],
) -> list[str]:
    """Write documents, references and passages under `directory`; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    doc_index = {d.id: i for i, d in enumerate(documents)}
    ref_index = {r.id: i for i, r in enumerate(references)}
    sections: dict[str, int] = {}
    paths: dict[tuple[str, ...], int] = {}
    cols: dict[str, list[int]] = {name: [] for name in _COLUMNS}
    cols["sent_ptr"].append(0)
    markers: dict[str, list[str]] = {}
    position = {p.passage_id: i for i, p in enumerate(passages)}
    for i, p in enumerate(passages):
        cols["doc"].append(doc_index[p.document_id])
        cols["ordinal"].append(p.ordinal)
        cols["kind"].append(KINDS.index(p.kind))
        cols["section"].append(sections.setdefault(p.section, len(sections)))
        cols["heading_path"].append(paths.setdefault(p.heading_path, len(paths)))
        cols["source_start"].append(p.source.start)
        cols["source_end"].append(p.source.end)
        cols["reference"].append(ref_index[p.reference_id] if p.reference_id else -1)
        cols["previous"].append(position[p.previous_id] if p.previous_id else -1)
        cols["next"].append(position[p.next_id] if p.next_id else -1)
        for s in p.sentences:
            cols["sent_start"].append(s.start)
            cols["sent_end"].append(s.end)
            cols["sent_src_start"].append(s.source.start)
            cols["sent_src_end"].append(s.source.end)
        cols["sent_ptr"].append(len(cols["sent_start"]))
        if p.markers:
            markers[str(i)] = list(p.markers)
    ids = [p.passage_id for p in passages]
    cols["id_order"] = sorted(range(len(ids)), key=ids.__getitem__)
    files = _write_blob(directory, "text", [p.text for p in passages])
    files += _write_blob(directory, "ids", ids)
    for name, values in cols.items():
        np.save(directory / f"{name}.npy", np.asarray(values, dtype=np.int64))
        files.append(f"{name}.npy")
    extra = {
        "documents.json": [d.to_dict() for d in documents],
        "references.json": [r.to_dict() for r in references],
        "sections.json": list(sections),
        "heading_paths.json": [list(p) for p in paths],
        "markers.json": markers,
    }
    for name, value in extra.items():
        (directory / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        files.append(name)
    return files


def _reference_from_dict(d: dict) -> Reference:
    return Reference(**{**d, "authors": tuple(d["authors"]), "source": Span(**d["source"])})


class PassageStore:
    """Read-only access to stored passages by position or id; Passage objects are built on demand."""

    def __init__(self, directory: Path, mmap: bool = True) -> None:
        self._text = _Blob(directory, "text", mmap)
        self._ids = _Blob(directory, "ids", mmap)
        mode = "r" if mmap else None
        # plain ndarray views of the maps: same shared pages, without np.memmap's per-item overhead
        self._cols = {name: np.asarray(np.load(directory / f"{name}.npy", mmap_mode=mode)) for name in _COLUMNS}
        read = lambda name: json.loads((directory / name).read_text(encoding="utf-8"))  # noqa: E731
        self.documents: tuple[Document, ...] = tuple(Document(**d) for d in read("documents.json"))
        self.references: tuple[Reference, ...] = tuple(_reference_from_dict(r) for r in read("references.json"))
        self._sections: list[str] = read("sections.json")
        self._paths: list[tuple[str, ...]] = [tuple(p) for p in read("heading_paths.json")]
        self._markers: dict[str, list[str]] = read("markers.json")
        self._doc_by_id = {d.id: i for i, d in enumerate(self.documents)}
        self._get = lru_cache(maxsize=8192)(self._rebuild)  # per store: dropped with a replaced index

    def __len__(self) -> int:
        return len(self._text)

    def text(self, i: int) -> str:
        return self._text[i]

    def texts(self) -> Iterator[str]:
        return (self._text[i] for i in range(len(self)))

    def passage_id(self, i: int) -> str:
        return self._ids[i]

    def document_index(self, i: int) -> int:
        return int(self._cols["doc"][i])

    def documents_of(self, ids: np.ndarray) -> np.ndarray:
        """The document index of each passage position in `ids` (int64, in their order)."""
        return self._cols["doc"][ids]

    def document_of(self, i: int) -> Document:
        return self.documents[self.document_index(i)]

    def document(self, document_id: str) -> Document | None:
        i = self._doc_by_id.get(document_id)
        return None if i is None else self.documents[i]

    def document_mask(self, document_id: str) -> np.ndarray:
        """Boolean mask over passages of one document."""
        return np.asarray(self._cols["doc"]) == self._doc_by_id[document_id]

    def index_of(self, passage_id: str) -> int | None:
        """Position of a passage id, by binary search over the sorted id order (no dict in memory)."""
        order = self._cols["id_order"]
        keys = _KeyView(self._ids, order)
        pos = bisect.bisect_left(keys, passage_id)
        if pos < len(order) and keys[pos] == passage_id:
            return int(order[pos])
        return None

    def section(self, i: int) -> str:
        return self._sections[int(self._cols["section"][i])]

    def kind(self, i: int) -> str:
        return KINDS[int(self._cols["kind"][i])]

    def _neighbour(self, i: int, column: str) -> str | None:
        j = int(self._cols[column][i])
        return self._ids[j] if j >= 0 else None

    def get(self, i: int) -> Passage:
        """The Passage at position i, rebuilt exactly as it was stored (recent ones are remembered)."""
        return self._get(int(i))

    def _rebuild(self, i: int) -> Passage:
        c = self._cols
        text = self._text[i]
        lo, hi = int(c["sent_ptr"][i]), int(c["sent_ptr"][i + 1])
        sentences = tuple(
            Sentence(
                text[int(c["sent_start"][j]) : int(c["sent_end"][j])],
                int(c["sent_start"][j]),
                int(c["sent_end"][j]),
                Span(int(c["sent_src_start"][j]), int(c["sent_src_end"][j])),
            )
            for j in range(lo, hi)
        )
        ref = int(c["reference"][i])
        return Passage(
            passage_id=self._ids[i],
            document_id=self.documents[int(c["doc"][i])].id,
            ordinal=int(c["ordinal"][i]),
            kind=KINDS[int(c["kind"][i])],
            section=self._sections[int(c["section"][i])],
            text=text,
            sentences=sentences,
            source=Span(int(c["source_start"][i]), int(c["source_end"][i])),
            previous_id=self._neighbour(i, "previous"),
            next_id=self._neighbour(i, "next"),
            reference_id=self.references[ref].id if ref >= 0 else None,
            markers=tuple(self._markers.get(str(i), ())),
            heading_path=self._paths[int(c["heading_path"][i])],
        )


class _KeyView(Sequence[str]):
    """The passage ids in sorted order, read lazily (for bisect)."""

    def __init__(self, ids: _Blob, order: np.ndarray) -> None:
        self._ids = ids
        self._order = order

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, k):  # type: ignore[override]
        return self._ids[int(self._order[k])]
