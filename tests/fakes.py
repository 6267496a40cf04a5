"""FakeQA: the qa.api.QA contract over a tiny hand-made corpus, returning real model instances."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from qa.api import (
    DEFAULT_K,
    DEFAULT_MODE,
    MAX_BATCH,
    MAX_BATCH_CHARS,
    check_work,
    validate_k,
    validate_mode,
    validate_question,
)
from qa.errors import InvalidInput, NotFound
from qa.models import (
    Answer,
    Citation,
    Document,
    IndexInfo,
    Passage,
    RankerScore,
    Reference,
    Result,
    Sentence,
    Span,
)

STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "do",
        "does",
        "for",
        "how",
        "i",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "what",
        "when",
        "which",
        "who",
        "why",
        "with",
    ]
)
WORD = re.compile(r"[a-z0-9]+")

DOCUMENTS = (
    Document("calf", "corpus/calf.txt", "Calf Pain", None, "a" * 64, "txt", 900),
    Document("knee", "corpus/knee.md", "Knee <Injuries> & Care", "https://example.org/knee", "b" * 64, "md", 400),
)

REFERENCES = (
    Reference(
        "calf-r1",
        "calf",
        1,
        ("Neutze D", "Roque J"),
        None,
        "Clinical evaluation of bleeding and bruising",
        "Am Fam Physician",
        2016,
        "93(4):279-285",
        "10.1234/afp.2016.1",
        "https://doi.org/10.1234/afp.2016.1",
        "Neutze D, Roque J. Clinical evaluation of bleeding and bruising. Am Fam Physician. 2016.",
        Span(700, 790),
    ),
    Reference(
        "calf-r2",
        "calf",
        2,
        (),
        "Mount Sinai",
        "Calf strain",
        None,
        2020,
        None,
        None,
        None,
        "Mount Sinai. Calf strain. 2020.",
        Span(791, 830),
    ),
)

_TEXTS = (
    ("calf", "Overview", ("Calf pain has many causes.", "Most causes of calf pain are harmless."), ()),
    (
        "calf",
        "Achilles Tendon",
        (
            "The Achilles tendon connects the calf muscle to the heel bone.",
            "A rupture of the Achilles tendon causes sudden pain [1].",
        ),
        ("1",),
    ),
    ("calf", "Treatment", ("Rest, ice and elevation help a strained calf muscle heal.",), ("2",)),
    (
        "knee",
        "Knee <Injuries> & Care",
        ("Knee injuries often involve the ligaments.", "Use <b>ice</b> & rest after a knee sprain."),
        (),
    ),
)


def _passages() -> tuple[Passage, ...]:
    built: list[Passage] = []
    for ordinal, (doc, section, sentences, markers) in enumerate(_TEXTS, start=1):
        text = " ".join(sentences)
        sents, pos = [], 0
        for s in sentences:
            sents.append(Sentence(s, pos, pos + len(s), Span(ordinal * 100 + pos, ordinal * 100 + pos + len(s))))
            pos += len(s) + 1
        same_doc = [i for i, t in enumerate(_TEXTS, start=1) if t[0] == doc]
        local = same_doc.index(ordinal)
        prev_id = f"{doc}-p{local}" if local > 0 else None
        next_id = f"{doc}-p{local + 2}" if local + 1 < len(same_doc) else None
        built.append(
            Passage(
                f"{doc}-p{local + 1}",
                doc,
                local + 1,
                "passage",
                section,
                text,
                tuple(sents),
                Span(sents[0].source.start, sents[-1].source.end),
                prev_id,
                next_id,
                None,
                markers,
            )
        )
    return tuple(built)


PASSAGES = _passages()
INFO = IndexInfo(1, "fake0001", "2025-01-02T03:04:05Z", 2, len(PASSAGES), 2, 42, 12345)


def _words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOP]


class FakeQA:
    """Word-overlap answers over PASSAGES with the same validation rules as qa.api.QA."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    semantic = False  # no semantic reranker: word overlap only

    @property
    def info(self) -> IndexInfo:
        return INFO

    def ask(
        self, question: str, *, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, document: str | None = None
    ) -> Answer:
        self._check(question, k, mode, document)
        self.calls.append(("ask", question, str(k), mode, str(document)))
        return self._answer(question, k, mode, document)

    def ask_batch(
        self,
        questions: Sequence[str],
        *,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
        max_chars: int = MAX_BATCH_CHARS,
    ) -> list[Answer]:
        if not isinstance(questions, (list, tuple)) or not 1 <= len(questions) <= MAX_BATCH:
            raise InvalidInput(f"questions must be a list of 1 to {MAX_BATCH} questions")
        for q in questions:
            self._check(q, k, mode, document)
        check_work(questions, max_chars)
        self.calls.append(("ask_batch", *questions))
        return [self._answer(q, k, mode, document) for q in questions]

    def passage(self, passage_id: str) -> Passage:
        for p in PASSAGES:
            if p.passage_id == passage_id:
                return p
        raise NotFound(f"no passage with id {passage_id!r}")

    def documents(self) -> tuple[Document, ...]:
        return DOCUMENTS

    def document(self, document_id: str) -> Document:
        for d in DOCUMENTS:
            if d.id == document_id:
                return d
        raise NotFound(f"no document with id {document_id!r}")

    def references(self) -> tuple[Reference, ...]:
        return REFERENCES

    def _check(self, question: object, k: object, mode: object, document: object) -> None:
        """The real library's rules, so the double fails where QA fails."""
        validate_question(question)
        validate_k(k)
        validate_mode(mode)
        if document is not None:
            self.document(str(document))

    def _answer(self, question: str, k: int, mode: str, document: str | None) -> Answer:
        terms = set(_words(question))
        scored = []
        for p in PASSAGES:
            overlap = len(terms & set(_words(p.text)))
            if overlap and (document is None or p.document_id == document):
                scored.append((-overlap, p.passage_id, p))
        scored.sort(key=lambda t: (t[0], t[1]))
        results = tuple(self._result(rank, p, terms, -neg) for rank, (neg, _, p) in enumerate(scored[:k], 1))
        if results:
            return Answer(
                question,
                True,
                0.8,
                ("matched the question's terms",),
                (),
                results,
                INFO.version,
                INFO.built_at,
                1.5,
                mode,
            )
        vocab = sorted({w for p in PASSAGES for w in _words(p.text)})
        missing = sorted(terms)
        fixed = [(difflib.get_close_matches(w, vocab, 1) or [w])[0] for w in _words(question)]
        suggestions = (" ".join(fixed),) if fixed != _words(question) else ()
        reasons = tuple(f"the documents do not mention '{w}'" for w in missing) or ("the question has no terms",)
        return Answer(question, False, 0.0, reasons, suggestions, (), INFO.version, INFO.built_at, 1.0, mode)

    def _result(self, rank: int, p: Passage, terms: set[str], overlap: int) -> Result:
        highlights = tuple(Span(m.start(), m.end()) for m in WORD.finditer(p.text.lower()) if m.group() in terms)
        best = max(p.sentences, key=lambda s: (len(terms & set(_words(s.text))), -s.start))
        refs = {r.ordinal: r for r in REFERENCES if r.document_id == p.document_id}
        citations = tuple(Citation(refs[int(m)], "marker", f"marker [{m}]", 1.0) for m in p.markers if int(m) in refs)
        return Result(
            rank,
            p.passage_id,
            p.document_id,
            self.document(p.document_id).title,
            p.section,
            p.kind,
            p.text,
            best.text,
            Span(best.start, best.end),
            highlights,
            float(overlap),
            {"bm25": RankerScore(float(overlap), rank), "tfidf": RankerScore(overlap / 10, None)},
            p.source,
            citations,
            p.previous_id,
            p.next_id,
        )
