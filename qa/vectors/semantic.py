"""Semantic reranking: the lexical candidates reordered by how close their meaning is to the question.

BM25 and TF-IDF only see shared words, so a paraphrase ("what usually causes calf pain" for
"calf pain is often brought on by muscle strain") loses to passages that happen to repeat the
question's words. The answer layer therefore takes the hybrid ranker's candidates and orders them by

    fused = lexical score / best lexical score + weight * cosine(question vector, passage vector)
            (+ weight * HEADING_WEIGHT * cosine(question vector, heading-path vector) with several documents)

with vectors from :mod:`qa.vectors.encoder` (passage and heading-path vectors are computed once, at build time,
and stored with the index). Only candidates the lexical rankers found are reordered: nothing is returned that shares
no word with the question, and abstention (:func:`qa.answering.abstention.decide`) still rests on the words.

Why one module of this size: build-time vectors, warm-up and query-time fusion share one set of vector texts and
weights, so a passage is encoded at build time exactly as the reranker reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qa import settings
from qa.models import Passage, RankerScore
from qa.util.lru import MiB, cached
from qa.vectors import ann
from qa.vectors import encoder as encoders

VECTORS = "vectors.npy"
HEADINGS = "headings.npy"  # one vector per distinct heading path ("Title › heading › …"), several-document corpora
HEADING_ROWS = "heading_rows.npy"  # passage -> its heading path's row in HEADINGS (-1: none, its own cosine counts)
# The fused score gains weight * HEADING_WEIGHT * cosine(question, heading path): a section's heading says what it is
# about in a few words ("TRUNCATE › Description"), which its passages' vectors blur with their text. Doc-set hit@1
# PostgreSQL 0.31 -> 0.38, Git 0.30 -> 0.34, Python 0.37 -> 0.39, SQLite hit@3 0.53 -> 0.60, MedQuAD hit@1 0.85 ->
# 0.88, SciFact nDCG@10 0.7301 -> 0.7336, no hit@1 lost; 0.5 gained more but pushed SQLite's false abstention to 0.11
# (NOTES-rank.md, README "Semantic reranking").
HEADING_WEIGHT = 0.25
DEFAULT_WEIGHT = 2.0  # measured on the dev and own question sets: see README, "Semantic reranking"
# Lexical candidates reordered: SciFact nDCG@10 with w = 2 was 0.7191 / 0.7283 / 0.7298 at depth
# 10 / 20 / 100 (hybrid alone 0.6952); the seed questions gave the same answers at 10 to 50.
DEPTH = 20
DENSE_DEPTH = 50  # nearest passages by meaning added to the lexical candidates (SciFact, MedQuAD: README)
# The server encodes every answer sentence before it forks when an index has this many or fewer (`Reranker.warm`):
# ~1.5 KiB each of the 32 MiB sentence cache; 1,001 of MedQuAD's took 2.8 s of CPU (1.5 s on 2 cores), the seed's
# 58 0.19 s
WARM_SENTENCES = 1_000
# Added to the fused score of a passage that opens its section (the first under its heading): a section's
# first sentences say what it is about ("Create a shallow clone…" under --depth). The gold passage opens its
# section for 42-92 % of the doc-set questions against 15-40 % of all passages; 0.1 lifted first-passage hits on
# sqlite/postgresql/git/python 0.30/0.17/0.15/0.22 -> 0.35/0.17/0.21/0.27, seed and MedQuAD hit@1 equal; 0.2
# cost MedQuAD hit@1 and a postgresql false abstention (NOTES-rank2.md, README "Semantic reranking").
LEAD_BONUS = 0.1
# A passage can stand for others: a page's NAME line ("DELETE — delete rows of a table", summary_line) names its
# subject in a few words and so sits near every question about it, while its page's description (the first passage
# after the synopsis) says what was asked; a section's later passages ("If the path already exists…" under
# Path.mkdir) share its words, while its first says what it is ("Create a new directory at this given path"). The
# passage that stands for another takes its fused score when that is higher, and the other goes STAND_IN_GAP behind
# it (NOTES-rank.md, README "Semantic reranking").
STAND_IN_GAP = 0.05
# An API or option entry's first passage stands for the rest of its entry, up to SECTION_REACH passages on: at 3,
# "what does functools.lru_cache do" answered from the 15th passage of its 17 ("The cache's size limit assures…"),
# not "Decorator to wrap a function with a memoizing callable…". 50 moved no first result of the seed, MedQuAD or the
# SQLite/PostgreSQL doc sets, and 4 of the 136 Python/Git ones, each to the entry's first passage (NOTES-rank.md).
SECTION_REACH = 50
# Added to the fused score of a passage that defines what a definition question asks about ("what is helgrind?":
# "Helgrind is a Valgrind tool for detecting synchronisation errors…", `defines`), over one that merely mentions it.
# MedQuAD hit@1 0.819 -> 0.839 / 0.845 / 0.845 at 0.2 / 0.3 / 0.5 (9 "What is (are) X?" gained, 1 lost), PostgreSQL
# 0.276 -> 0.293 at each (pg55), SQLite, Git, Python and the seed sets unchanged; measured before the answer order's
# own definition rule, which takes the MedQuAD gains by itself (README "Semantic reranking").
DEFINITION_BONUS = 0.3
# A how-to question is answered by the passage that names what to use, a command, function or parameter the question
# does not name ("smbpasswd -a user" for "how do I add a user to Samba…?", "ZipFile.extractall… namelist()"), over the
# one that restates the question ("Each Samba user needs an account on the server…"), which names nothing new and so
# sits as near it in words and meaning. Such a name is a lowercase word English word lists do not know (`naming`).
# The candidates within NAMING_BONUS of the first that write one gain it. Query time on the cached indexes, how-to
# questions only, bonus 0.05 / 0.1 / 0.15: doc-set hit@1 Git 0.34 -> 0.34 / 0.36 / 0.36, Python 0.39 -> 0.43 / 0.47 /
# 0.47, SQLite and PostgreSQL 0.42 / 0.38 at 0.1 (0.40 / 0.36 at 0.15); seed, own, paraphrase and MedQuAD unchanged at
# 0.1; the held-out handbook 0.37 -> 0.39 (NOTES-rank11.md, README "Semantic reranking").
NAMING_BONUS = 0.1
UNKNOWN = 8.0  # qa.search.wordstats.specificity of a word wordfreq's English lists do not hold
_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")
# A definition question's candidates include the passages that define its term, read among the passages holding its
# words when at most this many do: ~12 µs a passage on a busy core (Valgrind's helgrind 176 passages, PostgreSQL's
# "check constraint" 152: 2.7 ms; Python's "list" 1,580: 26 ms), once per term (then cached)
DEFINITION_SCAN = 2_000
# Passages from which dense candidates come from a graph (qa.vectors.ann): below it the exact search costs
# at most ~2 ms a question at one thread (bench/dense.py: 1.4 ms at 28,300, 2.5 ms at 50,000; the graph ~0.5 ms
# at any size), less than encoding the question, and a rebuild links no graph (~10 s for 28,300 vectors).
ANN_MIN = 40_000
MODES = ("auto", "off")


def enabled(setting: str | None = None) -> bool:
    """Whether semantic reranking is on: `setting`, by default QA_SEMANTIC."""
    if setting is None:
        setting = settings.get("SEMANTIC")
    if setting not in MODES:
        raise ValueError(f"QA_SEMANTIC must be one of {', '.join(MODES)}, not {setting!r}")
    return setting == "auto"


def build(
    texts: Sequence[str],
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    graph_progress: Callable[[int, int], None] | None = None,
    ann_min: int | None = None,
) -> dict[str, Any]:
    """Encode every passage into folder/vectors.npy, and from `ann_min` passages (default ANN_MIN) their
    nearest-neighbour graph (qa.vectors.ann); the manifest entry that describes them."""
    ann_min = ANN_MIN if ann_min is None else ann_min
    enc = encoders.shared()
    folder.mkdir(parents=True, exist_ok=True)
    # One call for all passages: the encoder batches texts of like length across the whole corpus.
    vectors = enc.encode(texts, progress=progress)
    return save(vectors, folder, enc.precision, graph_progress, ann_min)


def save(
    vectors: np.ndarray,
    folder: Path,
    precision: str,
    graph_progress: Callable[[int, int], None] | None = None,
    ann_min: int | None = None,
    cache: Path | None = None,
    headings: np.ndarray | None = None,
    heading_rows: np.ndarray | None = None,
) -> dict[str, Any]:
    """Store passage vectors (one row per passage) as folder/vectors.npy, and from `ann_min` passages
    (default ANN_MIN) their nearest-neighbour graph (qa.vectors.ann; reused from the build cache folder `cache` when
    it holds the graph of these very vectors); with `headings` (one vector per heading path, `heading_texts`) and
    `heading_rows` (passage -> row, -1 for none) also folder/headings.npy and folder/heading_rows.npy; the manifest
    entry describing them."""
    ann_min = ANN_MIN if ann_min is None else ann_min
    folder.mkdir(parents=True, exist_ok=True)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    np.save(folder / VECTORS, vectors)
    meta = {
        "model": encoders.NAME,
        "sha256": encoders.WEIGHTS_SHA256,
        "dim": int(vectors.shape[1]),
        "precision": precision,
        "files": [VECTORS],
    }
    if headings is not None and heading_rows is not None:
        if len(heading_rows) != len(vectors):
            raise ValueError(f"{len(heading_rows)} heading rows for {len(vectors)} passage vectors")
        np.save(folder / HEADINGS, np.ascontiguousarray(headings, dtype=np.float32).reshape(-1, vectors.shape[1]))
        np.save(folder / HEADING_ROWS, np.ascontiguousarray(heading_rows, dtype=np.int32))
        meta["headings"] = len(headings)
        meta["files"] += [HEADINGS, HEADING_ROWS]
    if len(vectors) >= ann_min:
        meta["ann"] = ann.build(vectors, folder, graph_progress, cache)
        meta["files"].append(meta["ann"]["file"])
    return meta


def vector_texts(passages: Sequence[Passage], titles: Mapping[str, str]) -> list[str]:
    """The text each passage vector is encoded from: "Title › heading › … › text" when the corpus holds more
    than one document, the passage's text alone in a one-document corpus and for reference entries.

    A section that never names its subject ("This condition is inherited in an autosomal dominant
    pattern") then sits near questions about its document ("Is cleidocranial dysplasia inherited?").
    In a one-document corpus the title is the same for every passage, and headings alone moved the
    seed's vectors the wrong way (README, "Semantic reranking": measured on MedQuAD, the seed sets,
    PostgreSQL and SQLite docs)."""
    several = len(titles) > 1
    out = []
    for p in passages:
        if not several or p.kind == "reference":
            out.append(p.text)
            continue
        out.append(" › ".join([*_titled(p.heading_path, titles.get(p.document_id, "")), p.text]))
    return out


def _titled(headings: Sequence[str], title: str) -> list[str]:
    """A passage's heading path led by its document's title (a page's first heading is often its title)."""
    path = list(headings)
    if title and (not path or path[0] != title):
        path.insert(0, title)
    return path


def heading_texts(passages: Sequence[Passage], titles: Mapping[str, str]) -> tuple[list[str], np.ndarray] | None:
    """The distinct heading paths "Title › heading › …" (in order of first use) and each passage's row among them
    (-1 for none), or None in a one-document corpus (`vector_texts`: one title for every passage). A reference
    entry, a passage under no heading or whose only heading is its page's title (a page's lead, an abstract) has
    none: its own cosine stands in for the heading's (HEADING_WEIGHT)."""
    if len(titles) <= 1:
        return None
    texts: dict[str, int] = {}
    rows = np.full(len(passages), -1, dtype=np.int32)
    for i, p in enumerate(passages):
        title = titles.get(p.document_id, "")
        if p.kind == "reference" or not p.heading_path or list(p.heading_path) == [title]:
            continue
        rows[i] = texts.setdefault(" › ".join(_titled(p.heading_path, title)), len(texts))
    return list(texts), rows


SUMMARY_WORDS = 20  # a page's NAME line is one short sentence ("git-stash - Stash the changes…")
_SUMMARY = re.compile(r"^(\S.{0,60}?)\s+(?:—|-{1,2})\s+\S")


def summary_line(passage: Passage, title: str) -> bool:
    """Whether a passage is its page's NAME line, "<name> — <what it is>": the document's first passage, one
    sentence of at most SUMMARY_WORDS words, whose name is the page title or begins it (`DELETE — delete rows
    of a table` on DELETE, `git-stash - Stash the changes…` on git-stash(1), `json — JSON encoder and decoder`).
    It names the page's subject in a few words, so it sits near every question about that subject, while the
    page's description says what a reader asked (STAND_IN_GAP)."""
    if passage.kind != "passage" or passage.ordinal != 1 or len(passage.sentences) != 1:
        return False
    text = " ".join(passage.text.split())
    m = _SUMMARY.match(text)
    if m is None or len(text.split()) > SUMMARY_WORDS:
        return False
    return " ".join(title.split()).lower().startswith(m.group(1).lower())


_ARTICLE = r"(?:(?:a|an|the)\s+)?"


# what makes a sentence that begins with a term its definition: "is a/an/the/one…", "are…", "refers to", "means",
# "is defined as", an adverb between ("DHAT is primarily a tool…"; not "Helgrind is aware of…")
_COPULA = r"(?:is\s+(?:\w+ly\s+)?(?:a|an|the|one|defined\s+as)|are|refers?\s+to|means)\b"


def defines(text: str, term: str) -> bool:
    """Whether a passage's text defines `term`: a sentence of it begins with the term (or its plural; after an
    article; before a bracket, "BRIN indexes (a shorthand for…)") followed by a copula (`_COPULA`: "Helgrind is a…",
    "A partial index is an index…", "Partitioning refers to…")."""
    flat = " ".join(text.split())
    if flat.isascii() and term.isascii() and " ".join(term.split()).lower() not in flat.lower():
        # the pattern holds the term's words a space apart (the text's spaces are single): absent, no match, and
        # a new question's term is not compiled for every passage it is not in (ASCII: IGNORECASE is lower())
        return False
    words = [re.escape(w) for w in term.split()]
    words[-1] += r"(?:s|es)?"
    name = r"\s+".join(words)
    pattern = rf"(?:^|[.!?:]\s+){_ARTICLE}{name}(?:\s*\([^)]{{1,80}}\))?\s+{_COPULA}"
    return re.search(pattern, flat, flags=re.IGNORECASE) is not None


def defining(
    term: str, stems: Iterable[str], holding: Callable[[str], np.ndarray], text: Callable[[int], str]
) -> tuple[int, ...]:
    """The passages whose text defines `term` (`defines`), read among those holding all its `stems` (`holding(stem)`:
    their sorted ids; `text(i)`: a passage's text); none when more than DEFINITION_SCAN hold them."""
    held = None
    for stem in sorted(set(stems)):
        rows = holding(stem)
        held = rows if held is None else np.intersect1d(held, rows)
    if held is None or len(held) > DEFINITION_SCAN:
        return ()
    return tuple(int(i) for i in held if defines(text(int(i)), term))


def naming(question: str, text: Callable[[int], str], specificity: Callable[[str], float]) -> Callable[[int], bool]:
    """Whether passage i (`text(i)`) names something the question does not: a lowercase word of three letters or more
    (as commands, functions and parameters are written: "smbpasswd", "namelist", "bytearray") that English word lists
    do not know (`specificity(word)` >= UNKNOWN) and the question (lowercased) does not hold."""
    asked = frozenset(_LOWER_WORD.findall(question.lower()))
    return lambda i: any(
        w not in asked and specificity(w) >= UNKNOWN for w in dict.fromkeys(_LOWER_WORD.findall(text(i)))
    )


class Reranker:
    """Dense candidates and fused order for one loaded index; immutable apart from its cache of
    question vectors."""

    def __init__(
        self,
        encoder: encoders.Encoder,
        vectors: np.ndarray,
        weight: float = DEFAULT_WEIGHT,
        depth: int = DEPTH,
        dense_depth: int = DENSE_DEPTH,
        graph: Any = None,
        headings: np.ndarray | None = None,
        heading_rows: np.ndarray | None = None,
    ) -> None:
        if vectors.ndim != 2 or vectors.shape[1] != encoder.dim:
            raise ValueError(f"passage vectors of shape {vectors.shape} do not fit a {encoder.dim}-d encoder")
        if (headings is None) != (heading_rows is None):
            raise ValueError("heading vectors and heading rows come together")
        if heading_rows is not None and (len(heading_rows) != len(vectors) or headings.shape[1:] != (encoder.dim,)):
            raise ValueError(f"heading vectors of shape {headings.shape} with {len(heading_rows)} rows do not fit "
                             f"{len(vectors)} passage vectors of a {encoder.dim}-d encoder")  # fmt: skip
        self.encoder = encoder
        self.vectors = np.asarray(vectors)
        self.weight = weight
        self.depth = depth  # lexical candidates reordered
        self.dense_depth = dense_depth  # nearest passages by meaning added to them
        self.graph = graph  # an approximate nearest-neighbour index over `vectors` (None: exact search)
        # heading-path vectors and passage -> row (-1: none); None for one-document corpora and older indexes
        self.headings = None if headings is None else np.asarray(headings)
        self.heading_rows = None if heading_rows is None else np.asarray(heading_rows)
        # encode_question: a model of fixed shape per padded length, ~25% faster than encode for one text
        self.vector = cached(self.encoder.encode_question, 16 * MiB)  # ~1.5 KiB + key
        # sentences of a passage, encoded when it is first among the results (not stored: see README);
        # keyed by (passage, its sentences), ~1.5 KiB a sentence
        self._sentences = cached(lambda key: self.encoder.encode_together(list(key[1])), 32 * MiB)

    def warm(self, passages: Iterable[tuple[int, Any]], limit: int = WARM_SENTENCES) -> int:
        """Encode the sentences of every passage (`(i, passage)`) of several sentences, as the answer step would
        when each first comes first, if they are `limit` or fewer in all; the number encoded (0: too many). Run by
        the server before it forks (`QA.warm_up`): its workers share these vectors instead of each encoding them
        during its first few hundred questions (the seed: 58 sentences of 27 passages)."""
        chosen, total = [], 0
        for i, p in passages:  # read lazily: a large index stops at its first passages, not after all of them
            if len(p.sentences) > 1:
                chosen.append((i, tuple(s.text for s in p.sentences)))
                total += len(p.sentences)
                if total > limit:
                    return 0
        if not chosen:
            return 0
        vectors = self.encoder.encode_together([t for _, texts in chosen for t in texts])
        start = 0
        for key in chosen:  # each row depends on its text alone: the bytes a first question would have made
            self._sentences.cache.put(key, vectors[start : start + len(key[1])])
            start += len(key[1])
        return total

    def sentence_cosines(self, question: str, i: int, passage: Any) -> np.ndarray:
        """Cosine similarity of each sentence of passage `i` to the question."""
        texts = tuple(s.text for s in passage.sentences)
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self._sentences((i, texts)) @ self.vector(question)

    @classmethod
    def load(cls, folder: Path, meta: dict[str, Any], weight: float) -> Reranker:
        if meta.get("model") != encoders.NAME or meta.get("sha256") != encoders.WEIGHTS_SHA256:
            raise ValueError(f"passage vectors were made by another encoder ({meta.get('model')})")
        vectors = np.load(folder / VECTORS, mmap_mode="r")
        graph = ann.open_graph(folder, meta["ann"]) if meta.get("ann") else None
        headings = rows = None
        if HEADINGS in meta.get("files", ()):  # built before them: no heading term, as then
            headings = np.load(folder / HEADINGS, mmap_mode="r")
            rows = np.load(folder / HEADING_ROWS, mmap_mode="r")
        return cls(encoders.shared(), vectors, weight, graph=graph, headings=headings, heading_rows=rows)

    def nearest(self, question: str, k: int | None = None, allowed: np.ndarray | None = None) -> list[int]:
        """The k passages closest in meaning to the question, closest first (ties by passage order):
        exact on small indexes and under a document filter, from the graph on large ones."""
        k = self.dense_depth if k is None else k
        if k <= 0:
            return []
        q = self.vector(question)
        if self.graph is not None and allowed is None:
            return ann.search(self.graph, q, k)
        rows = np.flatnonzero(allowed) if allowed is not None else None
        cosine = (self.vectors if rows is None else self.vectors[rows]) @ q
        if len(cosine) > k:
            kth = np.partition(cosine, len(cosine) - k)[len(cosine) - k]
            keep = np.flatnonzero(cosine >= kth)
        else:
            keep = np.arange(len(cosine))
        order = keep[np.lexsort((keep, -cosine[keep]))][:k]
        return (order if rows is None else rows[order]).tolist()

    def rerank(
        self,
        question: str,
        hits: list,  # qa.search.engine.Hit
        leads: Sequence[bool] | None = None,
        stand_ins: Mapping[int, int] | None = None,
        definitions: Sequence[bool] | None = None,
        names: Callable[[int], bool] | None = None,
    ) -> list:
        """The hits (qa.search.engine.Hit) in fused order; each carries its `semantic` score (cosine) and rank
        among them. `leads[i]`: hit i opens its section (LEAD_BONUS is added to its fused score).
        `stand_ins`: passage -> the passage that stands for it (its page's description for a NAME line, its
        section's first passage for a later one): when both are hits, the stand-in takes the other's fused score
        (and its `semantic` score, when closer) if higher, and the other goes STAND_IN_GAP behind it.
        `definitions[i]`: hit i defines what the question asks to be defined (DEFINITION_BONUS, `defines`).
        `names(doc)`: passage doc names what a how-to question does not (`naming`); read only for the hits within
        NAMING_BONUS of the best fused score (only they can overtake it), which gain NAMING_BONUS when it does.
        With heading vectors, the cosine of each hit's heading path (its own where it has none) adds
        HEADING_WEIGHT of itself to the cosine the weight multiplies; the `semantic` score stays the passage's."""
        if not hits:
            return hits
        ids = np.fromiter((h.doc for h in hits), dtype=np.int64, count=len(hits))
        q = self.vector(question)
        cosine = self.vectors[ids] @ q
        best = max(h.score for h in hits) or 1.0
        bonus = [LEAD_BONUS if lead else 0.0 for lead in leads] if leads is not None else [0.0] * len(hits)
        if definitions is not None:
            bonus = [b + (DEFINITION_BONUS if d else 0.0) for b, d in zip(bonus, definitions, strict=True)]
        # without heading vectors the term is 0 (one-document corpora, indexes built before them): c + 0.0 == c
        heading = np.zeros(len(hits)) if self.heading_rows is None else self._heading_cosines(ids, cosine, q)
        fused = [
            h.score / best + self.weight * (float(c) + HEADING_WEIGHT * float(x)) + b
            for h, c, x, b in zip(hits, cosine, heading, bonus, strict=True)
        ]
        if names is not None:
            window = max(fused) - NAMING_BONUS
            fused = [f + NAMING_BONUS if f >= window and names(h.doc) else f for h, f in zip(hits, fused, strict=True)]
        semantic_rank = {int(i): r for r, i in enumerate(np.lexsort((ids, -cosine)), start=1)}
        scores = [
            {**h.scores, "semantic": RankerScore(round(float(c), 6), semantic_rank[i])}
            for i, (h, c) in enumerate(zip(hits, cosine, strict=True))
        ]
        if stand_ins:
            _stand_in(hits, fused, scores, stand_ins)
        order = sorted(range(len(hits)), key=lambda i: (-fused[i], hits[i].doc))
        return [replace(hits[i], score=fused[i], scores=scores[i]) for i in order]

    def _heading_cosines(self, ids: np.ndarray, cosine: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Cosine of each passage's heading path to the question vector `q`; its own `cosine` where it has none."""
        rows = np.asarray(self.heading_rows[ids], dtype=np.int64)
        out = np.array(cosine, dtype=np.float32)
        has = rows >= 0
        if has.any():
            out[has] = self.headings[rows[has]] @ q
        return out


def _stand_in(hits: list, fused: list[float], scores: list[dict], stand_ins: Mapping[int, int]) -> None:
    """In place: each stand-in among the hits takes the fused score of the passage it stands for when higher (and
    that passage's semantic score when closer, so the abstention rules judge it as they would have judged the
    other), which goes STAND_IN_GAP behind it; in passage order, so a description also stands for its section."""
    where = {h.doc: i for i, h in enumerate(hits)}
    for passage, stand_in in sorted(stand_ins.items()):
        i, j = where.get(passage), where.get(stand_in)
        if i is None or j is None or fused[i] <= fused[j]:
            continue
        fused[j] = fused[i]
        fused[i] -= STAND_IN_GAP
        if scores[i]["semantic"].score > scores[j]["semantic"].score:
            scores[j] = {**scores[j], "semantic": scores[i]["semantic"]}
