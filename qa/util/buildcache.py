"""Work a rebuild reuses, kept in <index>/cache: every corpus file's parsed document, passages and
references, and every passage's vector.

    cache/words/<ab>/<key>.json       one corpus file's intact words (pass 1 of a build, qa.ingest.lexicon), keyed
                                      like its result
    cache/files/<ab>/<key>.json       one corpus file's result, keyed by the sha256 of: the code that parses
                                      files (`code_fingerprint`), the file's path, document id, bytes and
                                      metadata sidecars, and the size limit; it records the questions its
                                      repair asked the corpus's word counts, and is reused only while the
                                      counts give the same answers
    cache/vectors/<encoder>/<n>.vec   packs of (sha256 of a passage text, its vector), one folder per
                                      encoder identity (model, weights, runtime, code)
    cache/graphs/<key>.graph          the last nearest-neighbour graph (qa.vectors.ann), keyed by the sha256 of its
                                      settings, library version and its vectors' bytes

Entries are written to a temporary name and renamed, so a killed build leaves whole entries or none (and
the entries it finished are reused by the next build). Each entry carries the sha256 of its content and is
checked when read: an entry that fails the check, or does not parse, is deleted and the work redone, so a
corrupted cache can cost time but never change a build. JSON, not pickle: reading a cache must not run
code. After each build the cache is pruned to what that build used plus at most as much again, least
recently used first.

Why one module of this size: the caches share one sealing (a sha256 checked on every read), atomic writes, pruning
and the JSON codec for the pipeline's dataclasses, so an entry's format is defined in one place.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import sys
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1
FOLDER = "cache"
TMP = ".tmp-"
ENTRY_MAGIC = b"qa-cache-1\n"
PACK_MAGIC = b"qa-vectors-1\n"
GRAPH_MAGIC = b"qa-graph-1\n"
MAX_PACKS = 8  # packs of one encoder before they are merged into one (each build adds at least one)
log = logging.getLogger(__name__)


# ----- what the cached work depends on -------------------------------------------------------------------


@cache
def code_fingerprint(module: str = "qa.ingest.corpus") -> str:
    """sha256 of everything that decides what `module` makes of a file: the source of it and of every qa
    module it imports (transitively, lazy imports included), the versions of qa's dependencies and the
    Python version. Any edit to the pipeline's code gives a new fingerprint, so no stale result is reused."""
    digest = hashlib.sha256(f"{FORMAT}\n{sys.version_info[:2]}\n".encode())
    for name in sorted(_qa_modules(module)):
        digest.update(f"{name}\n".encode() + Path(_origin(name)).read_bytes())
    for name, version in dependency_versions():
        digest.update(f"{name}=={version}\n".encode())
    return digest.hexdigest()


def _origin(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise ImportError(f"no source for module {name}")
    return spec.origin


def _qa_modules(root: str) -> set[str]:
    """`root` and the qa modules it imports, directly or through each other."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse(Path(_origin(name)).read_bytes())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.split(".")[0] == "qa"]
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
                todo.append(node.module)
                todo += [f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}")]
    return seen


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def dependency_versions() -> list[tuple[str, str]]:
    """(name, version) of every library qa depends on (not the optional extras)."""
    names = set()
    for requirement in importlib.metadata.requires("qa") or ():
        if "extra ==" not in requirement:
            names.add(re.split(r"[\s=<>!~;\[]", requirement, maxsplit=1)[0].lower())
    return sorted((n, importlib.metadata.version(n)) for n in names)


def content_key(*parts: Any) -> str:
    """sha256 of the parts as JSON: the key of one piece of cached work."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


# ----- frozen dataclasses to JSON and back ---------------------------------------------------------------


def to_json(value: Any) -> Any:
    """A (nested) frozen dataclass as plain JSON values; tuples become lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    return value


def from_json(kind: Any, value: Any) -> Any:
    """The inverse of to_json for values of type `kind` (dataclasses, tuples, optionals, str/int/float/bool);
    ValueError when `value` does not fit `kind`."""
    return _decoder(kind)(value)


@cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """A function reading JSON values of type `kind`, made once per type: a rebuild of the Python reference
    reads ~1 M cached values, and working out each value's type anew took most of its time (25 of 60 s)."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind):
        return _dataclass_decoder(kind)
    if origin is tuple:
        return _tuple_decoder(kind)
    if origin in (typing.Union, types.UnionType):
        return _union_decoder(kind)
    if kind in (str, int, float, bool):
        return _scalar_decoder(kind)
    raise TypeError(f"cannot read {kind} from JSON")


def _dataclass_decoder(kind: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(kind)
    fields: dict[str, Callable[[Any], Any]] = {}

    def decode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"{kind.__name__}: expected an object")
        if unknown := value.keys() - hints.keys():
            raise ValueError(f"{kind.__name__} has no field {sorted(unknown)[0]!r}")
        if not fields:  # filled on first use: a dataclass may refer to itself
            fields.update({name: _decoder(hint) for name, hint in hints.items()})
        return kind(**{name: fields[name](v) for name, v in value.items()})

    return decode


def _tuple_decoder(kind: Any) -> Callable[[Any], Any]:
    args = typing.get_args(kind)
    if len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])

        def decode_all(value: Any) -> Any:
            if not isinstance(value, list):
                raise ValueError(f"{kind}: expected a list")
            return tuple(map(item, value))

        return decode_all
    items = [_decoder(a) for a in args]

    def decode_each(value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"{kind}: expected a list")
        return tuple(f(v) for f, v in zip(items, value, strict=True))

    return decode_each


def _union_decoder(kind: Any) -> Callable[[Any], Any]:
    args = typing.get_args(kind)
    optional = type(None) in args
    choices = [_decoder(a) for a in args if a is not type(None)]

    def decode(value: Any) -> Any:
        if value is None and optional:
            return None
        for choice in choices:
            try:
                return choice(value)
            except (ValueError, TypeError):
                continue
        raise ValueError(f"{kind}: {value!r} fits none of its types")

    return decode


def _scalar_decoder(kind: type) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return decode


# ----- entries on disk ------------------------------------------------------------------------------------


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP}{uuid.uuid4().hex[:12]}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _sealed(magic: bytes, payload: bytes) -> bytes:
    return magic + hashlib.sha256(payload).digest() + payload


def _unsealed(magic: bytes, data: bytes) -> bytes:
    """The payload of a sealed entry; ValueError when it is not one or fails its checksum."""
    if not data.startswith(magic) or len(data) < len(magic) + 32:
        raise ValueError("not a cache entry")
    digest, payload = data[len(magic) : len(magic) + 32], data[len(magic) + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("fails its checksum")
    return payload


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files killed builds left in the cache (call under the build lock)."""
    if folder.is_dir():
        for tmp in folder.rglob(f"{TMP}*"):
            tmp.unlink(missing_ok=True)


def _prune_lru(entries: list[Path], used: set[Path], room: int) -> None:
    """Keep `used` and, most recently used first, others while their bytes fit in `room`."""
    others = sorted((p for p in entries if p not in used), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in others:
        size = path.stat().st_size
        if size <= room:
            room -= size
        else:
            path.unlink(missing_ok=True)


class FileCache:
    """Results of reading one corpus file, stored by key (see the module docstring); `kind` names the
    folder, one per kind of result (`files`: a file's document and passages; `words`: its words)."""

    def __init__(self, folder: Path, kind: str = "files") -> None:
        self.root = Path(folder)
        self.folder = self.root / kind
        self.used: set[Path] = set()
        self._siblings: dict[str, FileCache] = {}

    def sibling(self, kind: str) -> FileCache:
        """The cache of another kind of result in the same folder (pruned with this one)."""
        if kind not in self._siblings:
            self._siblings[kind] = FileCache(self.root, kind)
        return self._siblings[kind]

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, kind: type) -> Any:
        """The `kind` stored under `key`, or None (absent, or damaged: then it is deleted)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            entry = json.loads(_unsealed(ENTRY_MAGIC, data))
            if entry.get("key") != key:
                raise ValueError("stored under another key")
            value = from_json(kind, entry["value"])
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("cache entry %s is damaged (%s): redoing its work", path, exc)
            path.unlink(missing_ok=True)
            return None
        os.utime(path)
        self.used.add(path)
        return value

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        payload = json.dumps({"key": key, "value": to_json(value)}, ensure_ascii=False).encode()
        _write_atomically(path, _sealed(ENTRY_MAGIC, payload))
        self.used.add(path)

    def prune(self) -> None:
        """Keep the entries this build used and others up to as many bytes again."""
        entries = [p for p in self.folder.glob("*/*.json")] if self.folder.is_dir() else []
        _prune_lru(entries, self.used, sum(p.stat().st_size for p in self.used if p.exists()))
        for sibling in self._siblings.values():
            sibling.prune()


class VectorCache:
    """Passage vectors by sha256 of the text, for one encoder identity; packs are appended as work is done."""

    def __init__(self, folder: Path, identity: str, dim: int) -> None:
        self.folder = Path(folder) / "vectors" / hashlib.sha256(identity.encode()).hexdigest()[:16]
        self.dim = dim
        self.rows: dict[bytes, tuple[int, int]] = {}  # text digest -> (pack, row)
        self.packs: list[np.ndarray] = []
        self.files: list[Path] = []
        for path in sorted(self.folder.glob("*.vec")) if self.folder.is_dir() else ():
            self._load(path)

    @staticmethod
    def digest(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8")).digest()

    def _load(self, path: Path) -> None:
        try:
            payload = _unsealed(PACK_MAGIC, path.read_bytes())
            n, dim = (int(x) for x in np.frombuffer(payload[:16], dtype="<u8"))
            if dim != self.dim or len(payload) != 16 + n * (32 + 4 * dim):
                raise ValueError(f"{n} vectors of {dim} dimensions do not fill it")
        except (OSError, ValueError) as exc:
            log.warning("vector cache pack %s is damaged (%s): its vectors will be encoded again", path, exc)
            path.unlink(missing_ok=True)
            return
        digests = payload[16 : 16 + 32 * n]
        vectors = np.frombuffer(payload, dtype="<f4", offset=16 + 32 * n).reshape(n, dim)
        pack = len(self.packs)
        self.packs.append(vectors)
        self.files.append(path)
        for row in range(n):
            self.rows[digests[32 * row : 32 * row + 32]] = (pack, row)

    def get(self, digest: bytes) -> np.ndarray | None:
        found = self.rows.get(digest)
        return None if found is None else self.packs[found[0]][found[1]]

    def add(self, digests: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store new vectors (one pack, written atomically)."""
        if not len(digests):
            return
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        payload = np.array([len(digests), self.dim], dtype="<u8").tobytes() + b"".join(digests) + vectors.tobytes()
        path = self.folder / f"{uuid.uuid4().hex}.vec"
        _write_atomically(path, _sealed(PACK_MAGIC, payload))
        pack = len(self.packs)
        self.packs.append(vectors)
        self.files.append(path)
        for row, d in enumerate(digests):
            self.rows[d] = (pack, row)

    def prune(self, used: Iterable[bytes], vectors: np.ndarray) -> None:
        """After a build that used the vectors `vectors` (rows in the order of `used`): merge the packs into
        one holding exactly those when there are many packs or more unused rows than used ones."""
        used = list(used)
        if len(self.files) <= 1 or (len(self.files) <= MAX_PACKS and len(self.rows) <= 2 * len(set(used))):
            return
        old = self.files
        unique = dict.fromkeys(used)
        order = {d: i for i, d in enumerate(used)}
        self.rows, self.packs, self.files = {}, [], []
        self.add(list(unique), vectors[[order[d] for d in unique]])
        for path in old:
            path.unlink(missing_ok=True)


class GraphCache:
    """The last nearest-neighbour graph built (one entry: a graph is as large as its vectors), keyed by the
    sha256 of `params` (settings and library version) and of the vectors' bytes."""

    def __init__(self, folder: Path, params: Any, vectors: np.ndarray) -> None:
        self.folder = Path(folder) / "graphs"
        digest = hashlib.sha256(json.dumps(params).encode())
        digest.update(np.ascontiguousarray(vectors).tobytes())
        self.path = self.folder / f"{digest.hexdigest()}.graph"

    def copy_to(self, target: Path) -> bool:
        """Write the cached graph to `target`; False when there is none (or it was damaged: then deleted)."""
        try:
            payload = _unsealed(GRAPH_MAGIC, self.path.read_bytes())
        except OSError:
            return False
        except ValueError as exc:
            log.warning("cached graph %s is damaged (%s): building it again", self.path, exc)
            self.path.unlink(missing_ok=True)
            return False
        target.write_bytes(payload)
        os.utime(self.path)
        return True

    def put(self, built: Path) -> None:
        """Keep the graph file `built` as the one entry (older graphs are deleted)."""
        _write_atomically(self.path, _sealed(GRAPH_MAGIC, built.read_bytes()))
        for other in self.folder.glob("*.graph"):
            if other != self.path:
                other.unlink(missing_ok=True)
