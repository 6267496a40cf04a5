"""Turns ranked hits into the answer object: best sentence, highlights, citations, and honest abstention."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.citations import link_citations
from qa.lru import MiB, cached
from qa.models import Answer, IndexInfo, Passage, Result, Span
from qa.store import PassageStore
from qa.wordstats import specificity

SUGGEST_SPECIFICITY = 5.0  # Zipf <= 3: rare or unknown in English, so probably misspelled


@dataclass(frozen=True)
class Decision:
    """Whether the top results answer the question, how sure, and why (for people)."""

    answered: bool
    confidence: float
    reasons: tuple[str, ...]
    focus: frozenset[str] = frozenset()  # stems the results should show first (a lost section's subject)


class Answerer:
    """Builds answers from an engine and a passage store; immutable, safe to share between threads."""

    def __init__(self, store: PassageStore, engine, info: IndexInfo, reranker=None) -> None:  # noqa: ANN001
        self.store = store
        self.engine = engine
        self.info = info
        self.reranker = reranker  # qa.semantic.Reranker: reorders the hybrid mode's candidates
        # passages, headings and reference titles are analysed again and again: remember them
        self.spans = cached(engine.analyzer.spans, 32 * MiB)  # questions too: bounded in bytes
        self._citations = cached(
            lambda i: link_citations(self.store.get(i), self.store.references, self.spans), 16 * MiB
        )

    def answer(self, question: str, k: int, mode: str, allowed: np.ndarray | None = None) -> Answer:
        """The answer object for one validated question."""
        started = time.perf_counter()
        terms = self.engine.query_terms(question)
        depth = max(k, Thresholds.depth)
        rerank = self.reranker is not None and mode == "hybrid"
        pool = max(depth, self.reranker.depth) if rerank else depth
        # the passages nearest in meaning join the lexical candidates: a paraphrase sharing no word is found
        dense = self.reranker.nearest(question, allowed=allowed) if rerank and terms else ()
        hits = self.engine.search(question, k=pool, mode=mode, allowed=allowed, also=dense) if terms else []
        if rerank:
            hits = self.reranker.rerank(question, hits)[:depth]
        if any(t.word in SOURCE_WORDS for t in terms):  # "which source…": the reference entries first
            hits = sorted(hits, key=lambda hit: self.store.kind(hit.doc) != "reference")
        weights = self._weights(terms)
        candidates = [self.store.get(hit.doc) for hit in hits]
        closeness = hits[0].scores["semantic"].score if rerank and hits else None
        decision = decide(terms, candidates, self.spans, self.engine.n_docs, closeness=closeness)
        if decision.focus:
            hits = self._focused(hits, candidates, decision.focus, weights)
        results = tuple(self._result(rank, hit, weights) for rank, hit in enumerate(hits[:k], start=1))
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

    def _focused(self, hits: list, candidates: list[Passage], focus: frozenset[str], weights: dict[str, float]) -> list:
        """Hits whose text holds the focus words first (most weight first), then the rest in rank order:
        when a section lost its text, show what the documents do say about its subject."""

        def held(p: Passage) -> float:
            body = {stem for stem, _, _ in self.spans(p.text)}
            return sum(weights.get(s, 0.0) for s in focus & body)

        order = sorted(range(len(hits)), key=lambda i: (-held(candidates[i]), i))
        return [hits[i] for i in order]

    def _weights(self, terms: Sequence) -> dict[str, float]:  # noqa: ANN001
        """Weight of each stem the question asks about (typo corrections share their word's weight)."""
        weights: dict[str, float] = {}
        for t in terms:
            w = specificity(t.word)
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
            citations=self._citations(hit.doc),
            previous_id=passage.previous_id,
            next_id=passage.next_id,
            heading_path=passage.heading_path,
        )

    def _suggestions(self, question: str, terms: Sequence) -> tuple[str, ...]:  # noqa: ANN001
        """Did-you-mean: the question with each unknown word replaced by the corpus's closest word."""
        fixed = question
        for t in terms:
            if t.in_vocab or specificity(t.word) < SUGGEST_SPECIFICITY:
                continue  # a known English word is not a typo, even when the documents lack it
            options = self.engine.suggest(t.word, n=1)
            if options and options[0].lower() != t.word.lower():
                fixed = re.sub(rf"\b{re.escape(t.word)}\b", options[0], fixed, flags=re.IGNORECASE)
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


SOURCE_WORDS = frozenset(
    [
        "source",
        "sources",
        "reference",
        "references",
        "referenced",
        "cite",
        "cites",
        "cited",
        "citation",
        "citations",
        "article",
        "articles",
        "paper",
        "papers",
        "study",
        "studies",
        "journal",
        "published",
        "publish",
        "publication",
        "author",
        "authors",
        "wrote",
        "written",
        "report",
        "listed",
        "bibliography",
    ]
)


# Verbs of a question about sources ("which source covers…"): not content, but no sign of one on their own.
SOURCE_VERBS = frozenset(
    ["cover", "covers", "covered", "mention", "mentions", "mentioned", "discuss", "discusses", "discussed"]
)


@dataclass(frozen=True)
class Thresholds:
    """Abstention thresholds, calibrated on ../shared/eval/devset.jsonl (see README, "Honest abstention")."""

    depth: int = 10  # candidates examined for evidence
    missing_share: float = 0.5  # abstain when words carrying more than this share of the question are absent
    key_specificity: float = 5.0  # a missing word this rare in English (Zipf <= 3) is a key term on its own
    heading_share: float = 0.9  # a heading this close to the question names the section that must answer
    section_missing_share: float = 0.35  # ... and abstain when its text lacks this share of the question
    common_df: float = 0.25  # a word in more than this share of passages is common in this corpus
    generic_specificity: float = 2.5  # words this frequent in English ("does", "get") say nothing of a topic
    # A first result this close in meaning to the question (cosine, qa.semantic) answers it in other
    # words: it overrides the missing-words rule, and at the higher value the only-common-words rule.
    # Never the rules for key words, unknown words or lost sections.
    close_meaning: float = 0.6
    very_close_meaning: float = 0.7


@dataclass(frozen=True)
class _Term:
    word: str
    stems: frozenset[str]
    weight: float
    df_share: float


def _terms(terms: Sequence, n_docs: int, source_question: bool) -> list[_Term]:  # noqa: ANN001
    out = []
    for t in terms:
        if source_question and (t.word in SOURCE_WORDS or t.word in SOURCE_VERBS):
            continue  # "which source…" words describe the reference list, not its content
        out.append(_Term(t.word, frozenset((t.stem, *t.corrected_to)), specificity(t.word), t.df / max(n_docs, 1)))
    return out


def _listing(words: Sequence[str]) -> str:
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def decide(
    terms: Sequence,  # noqa: ANN001  (qa.engine.QueryTerm)
    candidates: Sequence[Passage],
    spans,  # noqa: ANN001
    n_docs: int,
    limits: Thresholds = Thresholds(),
    closeness: float | None = None,
) -> Decision:
    """Answered only when the passages found hold the question's words; else say what is missing.

    Weights are how specific each word is in general English (wordfreq), so "the documents do not
    mention ibuprofen" outweighs a missing "best". A question that restates a section heading must be
    answered by that section's text: a heading whose text was lost does not count as an answer.
    `closeness` (the first result's cosine similarity to the question, when reranked) lets a passage
    that says it in other words answer although many of the question's words are missing.
    """
    source_question = any(t.word in SOURCE_WORDS for t in terms)
    content = _terms(terms, n_docs, source_question)
    if not content:
        return Decision(False, 0.0, ("the question has no searchable words (only very common words)",))
    total = sum(t.weight for t in content)
    evidence: set[str] = set()
    best, best_passage = 0.0, None
    sections: dict[str, set[str]] = {}
    for p in candidates:
        if p.kind == "reference" and not source_question:
            continue  # a title in the reference list is not the documents answering
        body = {stem for stem, _, _ in spans(p.text)}
        found = {t.word for t in content if t.stems & body}
        evidence |= found
        sections.setdefault(p.section, set()).update(found)
        share = sum(t.weight for t in content if t.word in found) / total
        if share > best:
            best, best_passage = share, p
    missing = [t for t in content if t.word not in evidence]
    missing_share = sum(t.weight for t in missing) / total
    if len(missing) == len(content):
        return Decision(False, 0.0, (f"the documents do not mention {_listing([t.word for t in missing])}",))
    keys = [t.word for t in missing if t.weight >= limits.key_specificity]
    if keys:
        return Decision(False, round(best, 3), (f"the documents do not mention {_listing(keys)}",))
    close = closeness is not None and closeness >= limits.close_meaning
    by_meaning = missing_share > limits.missing_share  # only a result close in meaning can answer now
    if by_meaning and not close:
        return Decision(False, round(best, 3), (f"the documents do not mention {_listing([t.word for t in missing])}",))
    trap = _lost_section(content, candidates, spans, sections, total, limits)
    if trap:
        reason, lacking = trap
        return Decision(False, round(best, 3), (reason,), focus=frozenset().union(*(t.stems for t in lacking)))
    matched_common = all(
        t.df_share > limits.common_df for t in content if t.word in evidence and t.weight > limits.generic_specificity
    )
    if best_passage is not None and missing and matched_common:
        if closeness is None or closeness < limits.very_close_meaning:
            return Decision(
                False,
                round(best, 3),
                (
                    "only words common in these documents matched "
                    f"({_listing([t.word for t in content if t.word in evidence])}); "
                    f"they do not mention {_listing([t.word for t in missing])}",
                ),
            )
        by_meaning = True
    reasons = (f"the documents do not mention {_listing([t.word for t in missing])}",) if missing else ()
    if by_meaning and closeness is not None:  # the words alone would have abstained
        reasons += (f"the first result says it in other words (meaning similarity {closeness:.2f})",)
        return Decision(True, round(max(best, closeness), 3), reasons)
    return Decision(True, round(best, 3), reasons)


def _lost_section(content, candidates, spans, sections, total, limits) -> tuple[str, list[_Term]] | None:  # noqa: ANN001
    """A heading restates the question but its section's text does not hold the question's words."""
    for p in candidates:
        heading = {stem for stem, _, _ in spans(p.section)}
        covered = sum(t.weight for t in content if t.stems & heading) / total
        if covered < limits.heading_share or p.kind == "reference":
            continue
        found = sections.get(p.section, set())
        lacking = [t for t in content if t.word not in found]
        if sum(t.weight for t in lacking) / total >= limits.section_missing_share:
            reason = (
                f'the section "{p.section}" has no text that answers this (it lacks '
                f"{_listing([t.word for t in lacking])}; its text may have been lost)"
            )
            return reason, lacking
    return None
