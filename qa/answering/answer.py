"""Turns ranked hits into the answer object: best sentence, highlights, citations, and honest abstention.

Why one module of this size: the Answerer's question-time steps (candidates, stand-ins, the abstention evidence,
the order shown) share its per-index caches; the page-structure helpers (`_opens_section`, `_section_start`,
`_description`, `_named`) are what would move out next, into a module of their own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from qa.answering import abstention, intent
from qa.answering.citations import link_citations
from qa.answering.sentence import best_sentence, code, defines, entry, says_something
from qa.models import Answer, IndexInfo, Passage, Result, Span
from qa.search.wordstats import english_typo, specificity
from qa.storage.store import PassageStore
from qa.util.lru import MiB, cached
from qa.vectors import semantic

# results whose answer sentence is also chosen by meaning: their sentences are encoded when first shown,
# about 25 ms a passage on 2 busy cores (bench/semantic.py), so only the first result's (what answer@1 and
# a reader see first); the others are chosen by words and intent
SENTENCE_DEPTH = 1
# passages holding a hyphenated word's parts read, at most, for whether they write it (`_documents_write`):
# client-side 326 of Git's 17,301 passages in 8 ms, built-in 1,820 of Python's 28,300; past it, it counts as written
HYPHENATED_SCAN = 20_000
SUGGEST_SPECIFICITY = 5.0  # Zipf <= 3: rare or unknown in English, so probably misspelled
# what a name or rare word that is the documents' own topic weighs in the answer sentence's choice, as a share of its
# specificity (`abstention.own_names`): "valgrind" in every sentence of Valgrind's NEWS says nothing of which one
# answers "how to use valgrind with rust?". 0.25 moved no first answer sentence of the seed, own, paraphrase,
# MedQuAD or doc sets; 0 and 0.1 lost SQLite's sq10 ("An SQLite database is limited in size to 281 terabytes")
TOPIC_WEIGHT = 0.25


@dataclass(frozen=True)
class Evidence:
    """A question's ranked hits, their passages and the abstention rules' reading of them."""

    terms: list  # qa.search.engine.QueryTerm
    hits: list  # qa.search.engine.Hit
    candidates: list[Passage]
    assessment: abstention.Assessment


class Answerer:
    """Builds answers from an engine and a passage store; immutable, safe to share between threads."""

    def __init__(
        self,
        store: PassageStore,
        engine,  # noqa: ANN001
        info: IndexInfo,
        reranker=None,  # noqa: ANN001
        limits: abstention.Thresholds = abstention.Thresholds(),  # noqa: B008 (frozen)
    ) -> None:
        self.store = store
        self.engine = engine
        self.info = info
        self.limits = limits
        self.reranker = reranker  # qa.vectors.semantic.Reranker: reorders the hybrid mode's candidates
        # passages, headings and reference titles are analysed again and again: remember them
        self.spans = cached(engine.analyzer.spans, 32 * MiB)  # questions too: bounded in bytes
        self._body = cached(self._read_body, 16 * MiB)  # a passage's stems with its title and heading
        self._stand_in = cached(self._stand_in_of, 4 * MiB)  # the passage standing for a passage (or None)
        self._spread = cached(self._read_spread, 1 * MiB)  # a stem's share of the documents
        self._definitions = cached(  # a term -> the passages that define it
            lambda t: semantic.defining(t, {s for s, _, _ in self.spans(t)}, engine.holding, store.text), 1 * MiB
        )
        self._written = cached(self._documents_write, 1 * MiB)  # whether the documents write a hyphenated word
        self._citations = cached(
            lambda i: link_citations(self.store.get(i), self.store.references, self.spans), 16 * MiB
        )

    def answer(self, question: str, k: int, mode: str, allowed: np.ndarray | None = None) -> Answer:
        """The answer object for one validated question."""
        started = time.perf_counter()
        found = self.evidence(question, k, mode, allowed)
        decision = abstention.decide(found.assessment, self.limits)
        hits = found.hits
        weights = self._weights(found.terms, abstention.own_names(found.assessment.terms, self.limits))
        defining = self._defining(question)
        if decision.focus:
            hits = self._focused(hits, found.candidates, decision.focus, weights)
        elif intent.howto(question):
            hits = self._example_first(hits, found.assessment.terms)
        elif defining is not None:
            hits = self._definition_first(hits, defining)
        meaning = self.reranker is not None and mode == "hybrid"
        results = tuple(
            self._result(rank, hit, weights, question, meaning and rank <= SENTENCE_DEPTH, defining)
            for rank, hit in enumerate(hits[:k], start=1)
        )
        return Answer(
            question=question,
            answered=decision.answered,
            confidence=decision.confidence,
            reasons=decision.reasons,
            suggestions=self._suggestions(question, found.terms),
            results=results,
            index_version=self.info.version,
            index_built_at=self.info.built_at,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            mode=mode,
        )

    def evidence(self, question: str, k: int, mode: str, allowed: np.ndarray | None = None) -> Evidence:
        """The ranked candidates of a question and what they say about it (before the verdict)."""
        terms = self.engine.query_terms(question)
        depth = max(k, self.limits.depth)
        rerank = self.reranker is not None and mode == "hybrid"
        pool = max(depth, self.reranker.depth) if rerank else depth
        # the passages nearest in meaning join the lexical candidates: a paraphrase sharing no word is found
        dense = self.reranker.nearest(question, allowed=allowed) if rerank and terms else ()
        term = intent.defined(question) if rerank and terms else None
        if term:  # "what is helgrind?": the passages that define it ("Helgrind is a Valgrind tool…") are candidates
            dense = [*dense, *(i for i in self._definitions(term) if allowed is None or allowed[i])]
        lend = self._lent if rerank else None  # a description is also found by its NAME line's words
        hits = self.engine.search(question, k=pool, mode=mode, allowed=allowed, also=dense, lend=lend) if terms else []
        if rerank:
            leads = [self._opens_section(hit.doc) for hit in hits]
            defs = [semantic.defines(self.store.text(hit.doc), term) for hit in hits] if term else None
            # a how-to's answer names what to use (semantic.NAMING_BONUS)
            names = semantic.naming(question, self.store.text, specificity) if intent.howto(question) else None
            hits = self.reranker.rerank(question, hits, leads, self._stand_ins(hits), defs, names)[:depth]
        source_question = any(t.word in SOURCE_WORDS for t in terms)
        hits, candidates = _shown_order(hits, [self.store.get(hit.doc) for hit in hits], source_question)
        ignored = SOURCE_WORDS | SOURCE_VERBS if source_question else frozenset()
        assessment = abstention.assess(
            abstention.understand(
                abstention.unsplit(terms, self.engine.analyzer.stem),
                question,
                self.engine.n_docs,
                ignored,
                self.engine.analyzer.stop_words,
                self._titles,
                self.engine.surface,
                self._writes,
                self._spread,
                len(self.store.documents),
            ),
            candidates,
            [self._body((hit.doc, rerank)) for hit in hits[: self.limits.depth]],
            self._stems,
            closeness=hits[0].scores["semantic"].score if rerank and hits else None,
            sentence_closeness=self._sentence_closeness(question, hits, candidates) if rerank else None,
            source_question=source_question,
            limits=self.limits,
            spelled=abstention.compounds(question)
            | abstention.glued(terms, self.engine.analyzer.stem)
            | self._unwritten(question),
        )
        return Evidence(terms, hits, candidates, assessment)

    def _sentence_closeness(self, question: str, hits: list, candidates: list[Passage]) -> float | None:
        """The first candidate's best sentence's cosine to the question, when it has several sentences (the
        answer sentence's choice encodes them anyway, SENTENCE_DEPTH); None otherwise."""
        if not hits or len(candidates[0].sentences) < 2:
            return None
        return float(np.max(self.reranker.sentence_cosines(question, hits[0].doc, candidates[0])))

    def _example_first(self, hits: list, terms: Sequence[abstention.Term] = ()) -> list:
        """The hits with the example the first one explains first: in a how-to question, when the first hit
        follows, in its section, an example of code that opens the section ("Undo a commit and redo":
        `$ git reset --soft HEAD^` …, then "This is most often done when…"), that example, when found, is
        what answers first; so is the section's opening passage with a line of code after its lead-in when the
        section's heading holds every word of the question (`terms`, its topic words aside): "3. Running your
        program under Memcheck" opens with "If you normally run your program like this: … Use this command
        line: valgrind --leak-check=yes myprog arg1 arg2". The verdict was weighed before (the order shown)."""
        if not hits:
            return hits
        j = self._section_opening(hits[0].doc)
        if j is None:
            return hits
        lines = self.store.get(j).text.split("\n")
        if not code(lines[0]) and not (self._restates(self.store.section(j), terms) and any(map(code, lines))):
            return hits
        found = [n for n, hit in enumerate(hits) if hit.doc == j]
        return [hits[found[0]], *(h for n, h in enumerate(hits) if n != found[0])] if found else hits

    def _restates(self, heading: str, terms: Sequence[abstention.Term]) -> bool:
        """Whether a heading holds every content word of the question but the documents' own topic words
        (`abstention.topic`): "Running your program under Memcheck" for "how do I run my program under memcheck?"."""
        asked = [t for t in terms if not abstention.topic(t, self.limits)]
        body = self._stems(heading)
        return bool(asked) and all(abstention.says(body, t) for t in asked)

    def _section_opening(self, i: int) -> int | None:
        """The passage that opens passage i's section, when i is not it (at most semantic.SECTION_REACH before)."""
        j = i
        for _ in range(semantic.SECTION_REACH):
            if self._opens_section(j):
                return j if j != i else None
            j = self.store.index_of(self.store.get(j).previous_id)
        return None

    def _defining(self, question: str) -> Callable[[str], bool] | None:
        """In a definition question ("what is a partial index?", `intent.defined`), whether a sentence defines its
        term (`sentence.defines`); None for other questions."""
        term = intent.defined(question)
        words = [(s, term[a:b]) for s, a, b in self.spans(term) if len(s) > 1] if term else []
        if not words:
            return None
        stems = frozenset(s for s, _ in words)
        gerund = len(words) > 1 and words[0][1].endswith("ing")  # partitioning a table: what partitioning is
        required = frozenset([words[0][0]]) if gerund else stems
        return lambda text: defines(text, stems, required, self.spans)

    def _definition_first(self, hits: list, defining: Callable[[str], bool]) -> list:
        """The hits with, when the first one has no sentence defining the question's term, the first of the
        candidates (Thresholds.depth) that has one first ("what is memcheck?": "Memcheck is a memory error
        detector." before a section that only names it); the verdict was weighed before, on the order found."""

        def has(hit) -> bool:  # noqa: ANN001
            return any(defining(s.text) for s in self.store.get(hit.doc).sentences)

        if not hits or has(hits[0]):
            return hits
        found = next((n for n in range(1, min(self.limits.depth, len(hits))) if has(hits[n])), None)
        return hits if found is None else [hits[found], *(h for n, h in enumerate(hits) if n != found)]

    def _unwritten(self, question: str) -> dict:
        """The question's plain hyphenated words (`abstention.hyphenated`) the documents never write, each with
        its pattern: no passage found writes them either, so they are `unspelled` there."""
        return {w: pattern for w, (_, pattern) in abstention.hyphenated(question).items() if not self._written(w)}

    def _documents_write(self, word: str) -> bool:
        """Whether a passage (text, heading) or a document title writes the hyphenated `word` as its parts side
        by side ("two factor", "two-factor"); true when its parts are all stop words (nothing to look up) or more
        than HYPHENATED_SCAN passages hold them."""
        parts, pattern = abstention.hyphenated(word)[word]
        stems = [s for s in map(self.engine.analyzer.stem, parts) if s]
        if not stems:
            return True
        if any(pattern.search(d.title.lower()) for d in self.store.documents):
            return True
        held = self.engine.holding(stems[0])
        for stem in stems[1:]:
            held = np.intersect1d(held, self.engine.holding(stem))
        if len(held) > HYPHENATED_SCAN:
            return True  # too many passages hold its parts to read them all at question time: not absent
        for i in held:
            p = self.store.get(int(i))
            if pattern.search(" ".join((p.text, p.section, *p.heading_path)).lower()):
                return True
        return False

    def _opens_section(self, i: int) -> bool:
        """Whether passage i is the first of its section (no passage before it, or one under another heading)."""
        previous = self.store.get(i).previous_id
        j = self.store.index_of(previous) if previous is not None else None
        return j is None or self.store.section(j) != self.store.section(i)

    def _stand_ins(self, hits: list) -> dict[int, int]:
        """Hit -> the hit standing for it (semantic.Reranker.rerank): a NAME line (semantic.summary_line) -> its
        page's description; a passage a few into an entry's section -> the section's first (`_section_start`)."""
        found = {hit.doc for hit in hits}
        return {i: j for i in (hit.doc for hit in hits) if (j := self._stand_in(i)) in found}

    def _stand_in_of(self, i: int) -> int | None:
        named = semantic.summary_line(self.store.get(i), self.store.document_of(i).title)
        return self._description(i) if named else self._section_start(i)  # (a page's first passage: None)

    def _section_start(self, i: int) -> int | None:
        """The first passage of i's section, at most SECTION_REACH passages before i, when the section is an entry
        (`Path.mkdir(mode=0o777, …)`, `--depth <depth>`): its first sentences say what it is."""
        j = i
        for step in range(semantic.SECTION_REACH + 1 if entry(self.store.section(i)) else 0):
            if self._opens_section(j):
                return j if step else None
            j = self.store.index_of(self.store.get(j).previous_id)
        return None

    @cached_property
    def _named(self) -> dict[int, int]:
        """A manual page's description -> its NAME line (semantic.summary_line, `_description`), over the index."""
        docs = self.store.documents_of(np.arange(len(self.store)))
        firsts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]) if len(docs) else docs
        # a page's first passage stands for nothing unless it is a NAME line: then for its description
        return {j: i for i in map(int, firsts) if (j := self._stand_in(i)) is not None}

    @cached_property
    def _lent(self) -> tuple[np.ndarray, np.ndarray]:
        """(NAME lines, their descriptions) as the engine's `lend` arrays."""
        pairs = sorted(self._named.items())
        return np.array([i for _, i in pairs], dtype=np.int64), np.array([j for j, _ in pairs], dtype=np.int64)

    def _description(self, i: int) -> int | None:
        """The first passage after NAME line i, in its document, that opens a section, states something and is
        neither code nor under a Synopsis heading (a manual page's NAME, SYNOPSIS, DESCRIPTION), if any."""
        document = self.store.document_index(i)
        for j in range(i + 1, len(self.store)):
            if self.store.document_index(j) != document:
                return None
            p = self.store.get(j)
            if p.kind != "passage":
                return None
            heading, first = p.section.strip().lower(), p.text.split("\n", 1)[0]
            if self._opens_section(j) and heading != "synopsis" and says_something(p) and not code(first):
                return j
        return None

    @cached_property
    def _titles(self) -> frozenset[str]:
        """Stems of every document title (a word of a title is in the documents, indexed or not)."""
        return frozenset().union(*(self._stems(d.title) for d in self.store.documents))

    def _writes(self, word: str) -> bool:
        """Whether the documents write this surface word (lowercased)."""
        return self.engine.speller.words.id(word) >= 0

    def _read_spread(self, stem: str) -> float:
        """The share of the documents whose passages say `stem` or a derivation of it (as abstention.says
        reads one: "postgres" in "PostgreSQL")."""
        held = self.engine.holding(stem, abstention.DERIVED if len(stem) >= 4 else 0)
        return len(np.unique(self.store.documents_of(held))) / max(len(self.store.documents), 1)

    def _stems(self, text: str) -> frozenset[str]:
        return abstention.body_of(frozenset(stem for stem, _, _ in self.spans(text)))

    def _read_body(self, key: tuple[int, bool]) -> frozenset[str]:
        """The stems passage i = key[0] says with its document title and section heading (references: their
        text); with key[1] (the words that found it), a description's with its NAME line's (`_named`)."""
        i, named = key
        p = self.store.get(i)
        if p.kind == "reference":
            return self._stems(p.text)
        body = self._stems(p.text) | self._stems(p.section) | self._stems(self.store.document_of(i).title)
        line = self._named.get(i) if named else None
        return body if line is None else body | self._stems(self.store.get(line).text)

    def _focused(self, hits: list, candidates: list[Passage], focus: frozenset[str], weights: dict[str, float]) -> list:
        """Hits whose text holds the focus words first (most weight first), then the rest in rank order:
        when a section lost its text, show what the documents do say about its subject."""

        def held(p: Passage) -> float:
            body = {stem for stem, _, _ in self.spans(p.text)}
            return sum(weights.get(s, 0.0) for s in focus & body)

        order = sorted(range(len(hits)), key=lambda i: (-held(candidates[i]), i))
        return [hits[i] for i in order]

    def _weights(self, terms: Sequence, topic: frozenset[str] | set[str] = frozenset()) -> dict[str, float]:  # noqa: ANN001
        """Weight of each stem the question asks about (typo corrections share their word's weight); a word of
        `topic` (the documents' own names, `abstention.own_names`) weighs TOPIC_WEIGHT as much."""
        weights: dict[str, float] = {}
        for t in terms:
            w = specificity(t.word) * (TOPIC_WEIGHT if t.word in topic else 1.0)
            for stem in (t.stem, *t.corrected_to):
                weights[stem] = max(weights.get(stem, 0.0), w)
        return weights

    def _result(  # noqa: PLR0913
        self,
        rank: int,
        hit,  # noqa: ANN001
        weights: dict[str, float],
        question: str,
        meaning: bool,
        defining: Callable[[str], bool] | None = None,
    ) -> Result:
        passage = self.store.get(hit.doc)
        spans = [(a, b, stem) for stem, a, b in self.spans(passage.text) if stem in weights]
        choice = meaning and len(passage.sentences) > 1  # one sentence: nothing to choose
        cosines = self.reranker.sentence_cosines(question, hit.doc, passage) if choice else None
        kinds = intent.asked_kinds(question)
        opens = self._opens_section(hit.doc)
        answer = best_sentence(passage, spans, weights, kinds, cosines, opens=opens, defining=defining)
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
            # the English word it misspells when that is what the corpus holds ("seperating" -> separating,
            # not the nearer-spelled "operating"); else the corpus word nearest in spelling
            meant = english_typo(t.word)
            held = meant and self.engine.analyzer.stem(meant) in t.corrected_to
            options = [meant] if held else self.engine.suggest(t.word, n=1)
            if options and options[0].lower() != t.word.lower():
                fixed = re.sub(rf"\b{re.escape(t.word)}\b", options[0], fixed, flags=re.IGNORECASE)
        return (fixed,) if fixed != question else ()


def _shown_order(hits: list, passages: list[Passage], source_question: bool) -> tuple[list, list[Passage]]:
    """The hits (and their passages) in the order they are weighed and shown, a stable sort of the fused
    order by, most significant first: in a question about sources ("which source…"), reference entries
    first; a passage that states nothing (`says_something`: a title, table cells) behind those that do; a
    passage whose text repeats one ranked above it (a section two manual pages both include) behind the
    distinct ones, so the first results are distinct."""
    seen: set[str] = set()
    keys = []
    for p in passages:
        text = " ".join(p.text.lower().split())
        keys.append((source_question and p.kind != "reference", not says_something(p), text in seen))
        seen.add(text)
    order = sorted(range(len(hits)), key=keys.__getitem__)
    return [hits[i] for i in order], [passages[i] for i in order]


# Words of a question about sources. Not "listed" ("which modules are listed in sys.modules?" is no such
# question); "author" and "report" stay although documentation uses them ("commits by author", "report a
# bug"): the seed's "Who is the author of …?" and "Which report is about …?" need them.
# fmt: off
SOURCE_WORDS = frozenset([
    "source", "sources", "reference", "references", "referenced", "cite", "cites", "cited", "citation", "citations",
    "article", "articles", "paper", "papers", "study", "studies", "journal", "published", "publish", "publication",
    "author", "authors", "wrote", "written", "report", "bibliography",
])
# fmt: on


# Verbs of a question about sources ("which source covers…"): not content, but no sign of one on their own.
SOURCE_VERBS = frozenset(
    ["cover", "covers", "covered", "mention", "mentions", "mentioned", "discuss", "discusses", "discussed"]
)
