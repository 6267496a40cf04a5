"""The Python API for services that embed qa instead of calling HTTP.

from qa.api import QA
qa = QA.open("index")                      # a built index (see `qa build`)
answer = qa.ask("what causes calf pain?", k=3)
answer.answered, answer.results[0].text, answer.to_dict()
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa.errors import IndexMissing, IndexUnavailable, InvalidInput, NotFound, QAError, TooMuchWork
from qa.models import Answer, Document, IndexInfo, Passage, Reference
from qa.storage import index as index_files

log = logging.getLogger(__name__)
MODES = ("hybrid", "bm25", "tfidf")
DEFAULT_MODE = "hybrid"
DEFAULT_K = 3
MAX_K = 50
MAX_QUESTION_CHARS = 2000
MAX_BATCH = 50
# Work budget of one request, in characters of questions (their encoding and analysis cost grows with
# length: ~1 s for one 2,000-character question on this 2-core machine with the numpy encoder, so a
# batch of 50 such questions held a worker for a minute). QA_MAX_BATCH_CHARS overrides it over HTTP.
MAX_BATCH_CHARS = 10_000


@dataclass(frozen=True)
class _Loaded:
    """One loaded build: swapped as a whole on reload, so a request sees one build throughout."""

    build: Path
    manifest: dict[str, Any]
    info: IndexInfo
    store: Any  # qa.storage.store.PassageStore
    engine: Any  # qa.search.engine.Engine
    answerer: Any  # qa.answering.answer.Answerer


def _load(build: Path, checksums: bool) -> _Loaded:
    from qa.answering.answer import Answerer
    from qa.search.engine import Engine
    from qa.storage.store import PassageStore

    manifest = index_files.read_manifest(build)
    index_files.verify_files(build, manifest, checksums=checksums)
    info = index_files.info_from_manifest(manifest, build)
    store = PassageStore(build / "store")
    try:
        engine = Engine.load(build / "engine", manifest["engine"])
    except (ValueError, KeyError) as exc:  # built by another version of the analyzer or engine
        raise IndexUnavailable(f"index {build} was built by another version of qa ({exc}): run `qa build`") from exc
    return _Loaded(build, manifest, info, store, engine, Answerer(store, engine, info, _reranker(build, manifest)))


def _reranker(build: Path, manifest: dict[str, Any]) -> Any:
    """The semantic reranker when this build has passage vectors, the setting allows it and the encoder
    is installed; None (lexical order) otherwise, with a warning saying why."""
    from qa import settings
    from qa.vectors import encoder, semantic

    meta = manifest.get("semantic")
    if not meta or not semantic.enabled():
        return None
    try:
        return semantic.Reranker.load(build / "semantic", meta, settings.get("SEMANTIC_WEIGHT"))
    except (encoder.EncoderUnavailable, ValueError) as exc:
        log.warning("semantic reranking is off for index %s: %s", build.name, exc)
        return None


_BLANK = re.compile(r"[\s\x1c-\x1f\x85\ufeff]*")  # whitespace as Python and JSON Schema (\s) both see it
_SURROGATE = re.compile("[\ud800-\udfff]")  # a str holds a surrogate only unpaired: it is not Unicode text


def is_blank(text: str) -> bool:
    """True when `text` holds nothing but whitespace."""
    return _BLANK.fullmatch(text) is not None


def validate_question(question: Any, name: str = "question") -> str:
    """The question as given, or InvalidInput saying what is wrong with it (`name` labels it)."""
    if question is None:
        raise InvalidInput(f"{name} is required")
    if not isinstance(question, str):
        raise InvalidInput(f"{name} must be a string")
    if is_blank(question):
        raise InvalidInput(f"{name} must not be empty or blank")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"{name} is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    lone = _SURROGATE.search(question)
    if lone is not None:
        raise InvalidInput(
            f"{name} has a lone surrogate (U+{ord(lone.group()):04X}) at character {lone.start()}: "
            "it is not Unicode text (a JSON \\ud83d escape needs its pair)"
        )
    return question


def validate_questions(questions: Any, name: str = "questions") -> tuple[str, ...]:
    """Each question checked like a single one; InvalidInput listing every bad item (pointer and detail)."""
    errors = []
    for i, q in enumerate(questions):
        try:
            validate_question(q, f"{name}[{i}]")
        except InvalidInput as exc:
            errors.append({"pointer": f"/{name}/{i}", "detail": exc.detail})
    if errors:
        more = f" (and {len(errors) - 1} more item(s), see errors)" if len(errors) > 1 else ""
        raise InvalidInput(errors[0]["detail"] + more, tuple(errors))
    return tuple(questions)


def check_work(questions: Sequence[str], max_chars: int = MAX_BATCH_CHARS) -> None:
    """TooMuchWork when the questions of one request (a batch's, or a single one) together are longer than
    `max_chars` characters."""
    total = sum(len(q) for q in questions)
    if total > max_chars:
        what = "the question holds" if len(questions) == 1 else "the batch holds"
        raise TooMuchWork(
            f"{what} {total:,} characters of questions; one request may hold {max_chars:,} "
            f"(QA_MAX_BATCH_CHARS): send fewer or shorter questions per request"
        )


_INT = re.compile(r"-?[0-9]{1,12}")


def validate_k(k: Any, *, text: bool = False) -> int:
    """k as an int in 1..MAX_K, or InvalidInput: an integer (3.0 counts, as in JSON Schema), or with `text`
    (a query string) decimal digits. The one k rule of the library, the CLI and HTTP."""
    if text and isinstance(k, str):
        if not _INT.fullmatch(k):
            raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, not {k[:20]!r}")
        k = int(k)
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int):
        raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, not {json.dumps(k, default=repr)[:20]}")
    if not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, not {k}")
    return k


def validate_mode(mode: Any) -> str:
    """One of MODES, or InvalidInput naming them."""
    if not isinstance(mode, str) or mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}")
    return mode


class QA:
    """A loaded index answering questions; thread-safe for reads, cheap to share across requests.

    Every method validates its input and raises qa.errors.InvalidInput (HTTP 400) or
    qa.errors.NotFound (HTTP 404) with a message fit to show the caller.
    """

    def __init__(self, index_dir: Path, loaded: _Loaded, corpus_dir: Path | None, checksums: bool) -> None:
        self.index_dir = index_dir
        self.corpus_dir = corpus_dir
        self._checksums = checksums
        self._loaded = loaded
        self._reload_lock = threading.Lock()
        self._corpus_stats: dict[str, tuple[int, int, str]] = {}
        self.stale_changes: tuple[str, ...] = ()

    @classmethod
    def open(
        cls, index_dir: str | Path, corpus_dir: str | Path | None = None, checksums: bool = True, stale: str = "raise"
    ) -> QA:
        """Load a built index; with `corpus_dir`, also compare it with the corpus: a stale index raises
        IndexStale, or with stale="flag" is served as built and flagged (`info.stale`, `stale_changes`)."""
        if stale not in ("raise", "flag"):
            raise ValueError(f"stale must be 'raise' or 'flag', not {stale!r}")
        index_dir = Path(index_dir)
        loaded = _load(index_files.current_build(index_dir), checksums)
        if corpus_dir is not None and stale == "raise":
            index_files.check_fresh(loaded.manifest, Path(corpus_dir))
        qa = cls(index_dir, loaded, Path(corpus_dir) if corpus_dir is not None else None, checksums)
        if corpus_dir is not None and stale == "flag":
            qa.check_stale()
        return qa

    def check_stale(self) -> tuple[str, ...]:
        """Compare the corpus folder with the build being served (files re-read only when their size or
        time changed); sets `info.stale` and `stale_changes`, and returns the changes."""
        if self.corpus_dir is None:
            return ()
        loaded = self._loaded
        try:
            changes = tuple(index_files.stale_changes(loaded.manifest, self.corpus_dir, self._corpus_stats))
        except (OSError, QAError) as exc:
            changes = (f"the corpus folder cannot be read ({type(exc).__name__})",)
        if bool(changes) != loaded.info.stale:
            info = replace(loaded.info, stale=bool(changes))
            self._loaded = replace(loaded, info=info)
            loaded.answerer.info = info
        self.stale_changes = changes
        return changes

    def check_files(self) -> None:
        """IndexCorrupt when a file of the build being served is gone or has another size (cheap: stat
        only). Memory-mapped arrays of a file truncated in place would kill the process with SIGBUS
        when touched, so a server checks this before it lets a request touch them."""
        loaded = self._loaded
        index_files.verify_files(loaded.build, loaded.manifest, checksums=False)

    @classmethod
    def from_corpus(cls, corpus_dir: str | Path, index_dir: str | Path, **build_options: Any) -> QA:
        """Build the index of `corpus_dir` into `index_dir` (atomically) and open it."""
        index_files.build_index(Path(corpus_dir), Path(index_dir), **build_options)
        return cls.open(index_dir, corpus_dir)

    @classmethod
    def open_or_build(cls, corpus_dir: str | Path, index_dir: str | Path, **build_options: Any) -> QA:
        """Open the index, rebuilding it first when it is missing, stale, corrupted or of another format."""
        try:
            return cls.open(index_dir, corpus_dir)
        except (IndexMissing, IndexUnavailable):
            return cls.from_corpus(corpus_dir, index_dir, **build_options)

    def warm_up(self) -> None:
        """Load what the first question would load lazily (word lists, stemmer), so it is not slow; on a small
        index, encode the answer sentences too (`Reranker.warm`), so forked workers share them."""
        self.ask("warm up the caches", k=1)
        answerer = self._loaded.answerer
        if answerer.reranker is not None:
            store = answerer.store
            answerer.reranker.warm((i, store.get(i)) for i in range(len(store)))

    def reload_if_changed(self) -> bool:
        """Switch to a newer build if `current` moved (no restart, no failed request); True if switched."""
        try:
            build = index_files.current_build(self.index_dir)
        except IndexUnavailable:
            return False
        if build == self._loaded.build:
            return False
        with self._reload_lock:
            if build != self._loaded.build:
                self._loaded = _load(build, self._checksums)
                self.check_stale()
                return True
        return False

    @property
    def info(self) -> IndexInfo:
        return self._loaded.info

    @property
    def semantic(self) -> bool:
        """Whether the semantic reranker orders the hybrid mode's results (qa.vectors.semantic)."""
        return self._loaded.answerer.reranker is not None

    @property
    def manifest(self) -> dict[str, Any]:
        return self._loaded.manifest

    def ask(
        self, question: str, *, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, document: str | None = None
    ) -> Answer:
        """Answer one question with up to k results; `document` limits the search to one document id."""
        loaded = self._loaded
        question, k, mode = validate_question(question), validate_k(k), validate_mode(mode)
        allowed = self._document_mask(loaded, document)
        answer = loaded.answerer.answer(question, k, mode, allowed)
        return replace(answer, index_stale=True) if loaded.info.stale else answer

    def ask_batch(
        self,
        questions: Sequence[str],
        *,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
        max_chars: int = MAX_BATCH_CHARS,
    ) -> list[Answer]:
        """One answer per question, in order (at most MAX_BATCH questions, `max_chars` characters in all)."""
        if isinstance(questions, str) or not isinstance(questions, Sequence):
            raise InvalidInput("questions must be a list of strings")
        if not 1 <= len(questions) <= MAX_BATCH:
            raise InvalidInput(f"send from 1 to {MAX_BATCH} questions, not {len(questions)}")
        validate_questions(questions)
        check_work(questions, max_chars)
        return [self.ask(q, k=k, mode=mode, document=document) for q in questions]

    @staticmethod
    def _document_mask(loaded: _Loaded, document: str | None) -> Any:
        if document is None:
            return None
        if not isinstance(document, str) or loaded.store.document(document) is None:
            raise NotFound(f"no document with id {document!r}")
        return loaded.store.document_mask(document)

    def passage(self, passage_id: str) -> Passage:
        """The passage with this id (with previous/next ids for context)."""
        store = self._loaded.store
        i = store.index_of(passage_id) if isinstance(passage_id, str) else None
        if i is None:
            raise NotFound(f"no passage with id {passage_id!r}")
        return store.get(i)

    def documents(self) -> tuple[Document, ...]:
        return self._loaded.store.documents

    def document(self, document_id: str) -> Document:
        doc = self._loaded.store.document(document_id) if isinstance(document_id, str) else None
        if doc is None:
            raise NotFound(f"no document with id {document_id!r}")
        return doc

    def references(self) -> tuple[Reference, ...]:
        return self._loaded.store.references
