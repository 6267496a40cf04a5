"""Turns ranked hits into the answer object: best sentence, highlights, citations, and honest abstention."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qa.citations import link_citations
from qa.models import Answer, IndexInfo, Passage, Result, Span
from qa.store import PassageStore


@lru_cache(maxsize=65536)
def specificity(word: str) -> float:
    """How much a word says about a topic: rarer in general English → higher (wordfreq Zipf scale)."""
    from wordfreq import zipf_frequency

    return max(0.5, 8.0 - zipf_frequency(word, "en"))


@dataclass(frozen=True)
class Decision:
    """Whether the top results answer the question, how sure, and why (for people)."""

    answered: bool
    confidence: float
    reasons: tuple[str, ...]


class Answerer:
    """Builds answers from an engine and a passage store; immutable, safe to share between threads."""

    def __init__(self, store: PassageStore, engine, info: IndexInfo) -> None:  # noqa: ANN001
        self.store = store
        self.engine = engine
        self.info = info
        self.spans = engine.analyzer.spans

    def answer(self, question: str, k: int, mode: str, allowed: np.ndarray | None = None) -> Answer:
        """The answer object for one validated question."""
        started = time.perf_counter()
        terms = self.engine.query_terms(question)
        hits = self.engine.search(question, k=k, mode=mode, allowed=allowed) if terms else []
        weights = self._weights(terms)
        results = tuple(self._result(rank, hit, weights) for rank, hit in enumerate(hits, start=1))
        decision = decide(terms, results, weights, self.store, hits, self.spans)
        return Answer(
            question=question,
            answered=decision.answered,
            confidence=decision.confidence,
            reasons=decision.reasons,
            suggestions=self._suggestions(question, terms),
            results=results,
            index_version=self.info.version,
            index_built_at=self.info.built_at,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            mode=mode,
        )

    def _weights(self, terms: Sequence) -> dict[str, float]:  # noqa: ANN001
        """Weight of each stem the question asks about (typo corrections share their word's weight)."""
        weights: dict[str, float] = {}
        for t in terms:
            w = specificity(t.surface)
            for stem in (t.stem, *t.corrected_to):
                weights[stem] = max(weights.get(stem, 0.0), w)
        return weights

    def _result(self, rank: int, hit, weights: dict[str, float]) -> Result:  # noqa: ANN001
        passage = self.store.get(hit.doc)
        spans = [(a, b, stem) for stem, a, b in self.spans(passage.text) if stem in weights]
        answer = best_sentence(passage, spans, weights)
        return Result(
            rank=rank,
            passage_id=passage.passage_id,
            document_id=passage.document_id,
            document_title=self.store.document_of(hit.doc).title,
            section=passage.section,
            kind=passage.kind,
            text=passage.text,
            answer=passage.text[answer.start : answer.end],
            answer_span=answer,
            highlights=tuple(Span(a, b) for a, b, _ in spans),
            score=round(float(hit.score), 6),
            scores=hit.scores,
            source=passage.source,
            citations=link_citations(passage, self.store.references, self.spans),
            previous_id=passage.previous_id,
            next_id=passage.next_id,
        )

    def _suggestions(self, question: str, terms: Sequence) -> tuple[str, ...]:  # noqa: ANN001
        """Did-you-mean: the question with each unknown word replaced by the corpus's closest word."""
        fixed = question
        for t in terms:
            if t.in_vocab:
                continue
            options = self.engine.suggest(t.surface, n=1)
            if options and options[0].lower() != t.surface.lower():
                fixed = re.sub(rf"\b{re.escape(t.surface)}\b", options[0], fixed, flags=re.IGNORECASE)
        return (fixed,) if fixed != question else ()


def best_sentence(passage: Passage, spans: list[tuple[int, int, str]], weights: dict[str, float]) -> Span:
    """The sentence holding the most question weight (distinct terms); the first one on a tie."""
    best, best_score = None, -1.0
    for s in passage.sentences:
        stems = {stem for a, b, stem in spans if a >= s.start and b <= s.end}
        score = sum(weights[stem] for stem in stems)
        if score > best_score:
            best, best_score = s, score
    if best is None:
        return Span(0, len(passage.text))
    return Span(best.start, best.end)


def decide(terms, results, weights, store, hits, spans) -> Decision:  # noqa: ANN001
    """Placeholder decision until calibrated: answered when any result exists."""
    if not terms:
        return Decision(False, 0.0, ("the question has no searchable words",))
    if not results:
        return Decision(False, 0.0, ("no passage matches the question",))
    return Decision(True, 1.0, ())
