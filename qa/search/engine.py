"""The retrieval engine over a list of texts: BM25 (equal to rank-bm25), TF-IDF (scikit-learn) and the
hybrid default (BM25 + weighted TF-IDF, one precomputed weight per posting, + spelling repair of the
query), saved as plain arrays.

Why one module of this size: the three modes share one vocabulary, one set of postings, the spelling surfaces and
one save/load format, all held by `Engine`; the rankers (`bm25`, `tfidf`), `fusion`, `postings`, `vocabulary` and
`spelling` are modules of their own already.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from qa.models import RankerScore
from qa.search import bm25, fusion, tfidf
from qa.search.analyzer import Analyzer
from qa.search.postings import Postings, count_postings_runs, top_k
from qa.search.spelling import Speller, max_distance
from qa.search.vocabulary import Vocabulary
from qa.search.wordstats import english_typo
from qa.util.lru import ByteLRU, MiB

MODES = ("hybrid", "bm25", "tfidf")
FORMAT = 1
_CACHE_LIMIT = 200_000
# stop words that are also productive affixes ("coactivator", "promoterless"): never glue evidence
AFFIXES = frozenset(("co", "de", "re", "un", "in", "over", "out", "down", "up", "under", "less", "back",
                     "fore", "after", "off", "on", "per", "anti", "non", "self", "ever", "all"))  # fmt: skip
VARIANT_MIN_STEM = 4  # shorter stems prefix too many unrelated words
COMMON_ZIPF = 3.0  # wordfreq Zipf frequency (3 = once per million words) of a real, common word


@dataclass(frozen=True)
class EngineSettings:
    """How an index is built and how the hybrid mode combines rankers (stored with the index)."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    tfidf_sublinear: bool = True  # 1 + log(tf): 0.658 vs 0.592 nDCG@10 on SciFact
    hybrid_tfidf_weight: float = 2.0  # hybrid = BM25 + w * sum over query terms of idf * TF-IDF weight
    variants: int = 3  # hybrid: an unknown query stem searches up to this many longer corpus stems it
    # begins ("wors" of "worse" -> worsen): derivations the Snowball stemmer keeps apart
    spelling: bool = True  # hybrid: replace out-of-vocabulary query words by close corpus words
    glue: bool = True  # build: a rare unknown token that is a stop word glued to a corpus word counts
    # as that word ("ofcalf" -> calf, "painare" -> pain)
    ngram_min: int = 2
    ngram_max: int = 3
    rank_depth: int = 100  # RankerScore.rank: rank among the search's top max(k, rank_depth) documents

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EngineSettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown engine settings: {', '.join(unknown)}")
        return cls(**d)


@dataclass(frozen=True)
class Hit:
    """One retrieved document: its position in the input list, the final score, each ranker's view."""

    doc: int
    score: float
    scores: dict[str, RankerScore]


@dataclass(frozen=True)
class QueryTerm:
    """How one distinct query word was understood."""

    word: str  # normalised surface form
    stem: str
    df: int  # documents containing the stem (0 when out of vocabulary)
    idf: float  # BM25 idf (0.0 when out of vocabulary)
    in_vocab: bool
    corrected_to: tuple[str, ...] = ()  # stems searched instead (spelling or split repair)


_ARRAYS = (
    "indptr", "indices", "bm25_data", "tfidf_data", "hybrid_data", "bm25_idf", "tfidf_idf", "doc_len",
    "terms", "term_surface", "surface_words", "surface_freq", "surface_stem",
    "ngram_indptr", "ngram_indices", "ngram_data", "ngrams", "ngram_idf",
)  # fmt: skip


class Engine:
    """An immutable index over texts; `search` is safe to call from many threads."""

    def __init__(self, arrays: dict[str, np.ndarray], settings: EngineSettings, analyzer: Analyzer) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self._a = arrays
        n_docs = len(arrays["doc_len"])
        counts = Postings(arrays["indptr"], arrays["indices"], arrays["bm25_data"], n_docs)
        self._bm25 = counts
        self._tfidf = counts.with_data(arrays["tfidf_data"])
        self._bm25_idf = arrays["bm25_idf"]
        self._tfidf_idf = arrays["tfidf_idf"]
        self.vocab = Vocabulary(arrays["terms"])
        self._word_terms: ByteLRU[str, int] = ByteLRU(8 * MiB)  # query word -> term id (-1: stop word or unknown)
        # query word -> (word, stem, term ids) when its own stem is indexed, None for a stop word:
        # the repairing path's lookups that do not depend on the rest of the question
        self._word_entries: ByteLRU[str, tuple[str, str, tuple[int, ...]] | None] = ByteLRU(8 * MiB)
        ngrams = Postings(
            arrays["ngram_indptr"],
            arrays["ngram_indices"],
            arrays["ngram_data"],
            len(arrays["surface_words"]),
        )
        self.speller = Speller(
            words=Vocabulary(arrays["surface_words"]),
            freq=arrays["surface_freq"],
            stem_of=arrays["surface_stem"],
            ngrams=ngrams,
            ngram_vocab=Vocabulary(arrays["ngrams"]),
            ngram_idf=arrays["ngram_idf"],
            ngram_range=(settings.ngram_min, settings.ngram_max),
        )
        self._repairs: ByteLRU[str, tuple[int, ...]] = ByteLRU(4 * MiB)

    @property
    def n_docs(self) -> int:
        return self._bm25.n_docs

    @property
    def n_terms(self) -> int:
        return self._bm25.n_terms

    # ----- build -----------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        settings: EngineSettings = EngineSettings(),  # noqa: B008 (frozen, shared default is safe)
        progress: Callable[[int, int], None] | None = None,
        cache: Path | None = None,
    ) -> Engine:
        """Index `texts` (document id = position); `progress(done, total)` is called while analysing. With
        `cache` (a build cache folder) the texts an earlier build analysed are not analysed again
        (qa.search.wordlists); the engine is the same either way."""
        analyzer = Analyzer()
        if cache is None:
            token_ids, lengths, surface_ids = _analyze(texts, analyzer, progress)
        else:  # imported only here: an engine built without a cache (bench.scale's, served ones) never loads it
            from qa.search import wordlists

            analysed = wordlists.analyze(texts, analyzer, cache, progress)
            token_ids, lengths, surface_ids = analysed.tokens, analysed.lengths, analysed.words
            del analysed
        freq = np.bincount(token_ids, minlength=len(surface_ids))
        surface = Counter(dict(zip(surface_ids, freq.tolist(), strict=True)))
        unglue = _unglue_map(surface, analyzer) if settings.glue else {}
        stems = [analyzer.stem(w) for w in surface_ids]
        terms = [unglue.get(s, s) if s is not None else None for s in stems]
        vocab = Vocabulary.from_terms(t for t in terms if t is not None)
        ids = {vocab.term(i): i for i in range(len(vocab))}
        term_of_surface = np.array([ids[t] if t is not None else -1 for t in terms] + [-1], dtype=np.int32)
        # counted a chunk of documents at a time: no per-token array but `tokens` (4 bytes a word) is made
        counts, doc_len = count_postings_runs(token_ids, lengths, term_of_surface, len(vocab))
        del token_ids
        arrays = {
            "indptr": counts.indptr,
            "indices": counts.indices,
            "doc_len": doc_len,
            "terms": vocab.terms,
        }
        arrays["bm25_data"], arrays["bm25_idf"] = bm25.okapi_weights(
            counts, doc_len, settings.k1, settings.b, settings.epsilon
        )
        arrays["tfidf_data"], arrays["tfidf_idf"] = tfidf.word_weights(counts, settings.tfidf_sublinear)
        arrays["hybrid_data"] = cls._hybrid_data(arrays, settings)
        arrays.update(_surface_arrays(surface, analyzer, ids, unglue, settings))
        return cls(arrays, settings, analyzer)

    # ----- query -----------------------------------------------------------------------------------

    def _term_ids(self, word: str, stem: str, repair: bool) -> tuple[int, ...]:
        """The term ids a query word searches: its own stem, else (hybrid) a repair, else none."""
        tid = self.vocab.id(stem)
        if tid >= 0:
            return (tid,)
        if not repair or not self.settings.spelling:
            return ()
        found = self._repairs.get(word)
        if found is None:
            found = self._repair(word)
            if len(self._repairs) >= _CACHE_LIMIT:
                self._repairs.clear()
            self._repairs[word] = found
        return found

    def _repair(self, word: str) -> tuple[int, ...]:
        """Term ids for an out-of-vocabulary word that looks misspelled (rare in English too): a 1-edit
        corpus word, else the stem of the common English word it misspells when the corpus has that stem,
        else a split into two corpus words, else a 2-edit corpus word. A correction to a stop word
        ("wat" -> what) searches nothing."""
        known = self.speller.words.id(word)
        if known >= 0:  # a surface word indexed under another stem (a glued token such as "ofcalf")
            return self._surface_terms(known)
        if not word.isalpha() or len(word) < 3 or _common_english(word):
            return ()
        near = self.speller.near(word, max_distance(word))
        if near and near[0][0] == 1:
            return self._surface_terms(near[0][1])
        meant = english_typo(word)  # "seperating" -> separating: the corpus may hold separate, separated
        if meant is not None and (tid := self.vocab.id(self.analyzer.stem(meant) or "")) >= 0:
            return (tid,)
        split = self._split(word)
        if split:
            return split
        return self._surface_terms(near[0][1]) if near else ()

    def _surface_terms(self, surface_id: int) -> tuple[int, ...]:
        tid = int(self.speller.stem_of[surface_id])
        return (tid,) if tid >= 0 else ()

    def _split(self, word: str) -> tuple[int, ...]:
        """Term ids of the best split of `word` into two corpus words, each a stop word or at least 3
        letters, one not a stop word (the split whose rarer part is most frequent wins)."""
        best: tuple[int, tuple[int, ...]] = (0, ())
        words, freq, stem_of = self.speller.words, self.speller.freq, self.speller.stem_of
        for i in range(1, len(word)):
            parts = (words.id(word[:i]), words.id(word[i:]))
            if min(parts) < 0 or any(
                stem_of[p] >= 0 and len(w) < 3 for p, w in zip(parts, (word[:i], word[i:]), strict=True)
            ):
                continue
            terms = self._surface_terms(parts[0]) + self._surface_terms(parts[1])
            weakest = int(min(freq[parts[0]], freq[parts[1]]))
            if terms and weakest > best[0]:
                best = (weakest, terms)
        return best[1]

    def _query_words(self, query: str, repair: bool) -> list[tuple[str, str, tuple[int, ...]]]:
        """(word, stem, term ids searched) per kept query word, in order; with `repair`, out-of-vocabulary
        words are respelled, except words written in capitals (acronyms such as "IBP") unless the whole
        question of several words is in capitals."""
        out = []
        stem = self.analyzer.stem
        capitals: set[str] | None = None
        known = self._word_entries
        for word in self.analyzer.word_list(query):
            entry = known.get(word, False)
            if entry is not False:  # a stop word (None) or a word whose stem is indexed
                if entry is not None:
                    out.append(entry)
                continue
            s = stem(word)
            ids = self._term_ids(word, s, False) if s is not None else ()
            if s is None or ids:
                if len(known) >= _CACHE_LIMIT:
                    known.clear()
                known[word] = None if s is None else (word, s, ids)
            if s is None:
                continue
            if not ids and repair:
                if capitals is None:
                    raw = self.analyzer.raw_words(query)
                    # a question of several words all in capitals is shouted, not a string of acronyms
                    shouted = len(raw) > 1 and not any(c.islower() for c in query)
                    capitals = set() if shouted else {w.lower() for w in raw if w.isupper()}
                ids = () if word in capitals else self._term_ids(word, s, True)
            if not ids and repair and self.settings.variants and len(s) >= VARIANT_MIN_STEM:
                ids = tuple(self.vocab.with_prefix(s, self.settings.variants))
            out.append((word, s, ids))
        return out

    def _weighted_terms(self, query: str, repair: bool) -> dict[int, int]:
        """Query term ids with their multiplicity (a repeated word counts twice, as in rank-bm25)."""
        out: dict[int, int] = {}
        if not repair:  # the hot path of the plain modes: one remembered word -> term id lookup per word
            known = self._word_terms
            for word in self.analyzer.word_list(query):
                t = known.get(word)
                if t is None:
                    s = self.analyzer.stem(word)
                    t = -1 if s is None else self.vocab.id(s)
                    if len(known) >= _CACHE_LIMIT:
                        known.clear()
                    known[word] = t
                if t >= 0:
                    out[t] = out.get(t, 0) + 1
            return out
        for _, _, ids in self._query_words(query, repair):
            for t in ids:
                out[t] = out.get(t, 0) + 1
        return out

    def _scores(self, query: str, mode: str) -> np.ndarray:
        """Dense scores of every document for `query` in `mode` (one scatter-add)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        terms = self._weighted_terms(query, repair=mode == "hybrid")
        ids = list(terms)
        if mode == "tfidf":
            q = dict(tfidf.query_weights(terms, self._tfidf_idf, self.settings.tfidf_sublinear))
            return self._tfidf.scores_many(ids, [(self._tfidf.data, [q[t] for t in ids])])[0]
        data = self._a["hybrid_data"] if mode == "hybrid" else self._bm25.data
        return self._bm25.scores_many(ids, [(data, [float(c) for c in terms.values()])])[0]

    def rank(
        self, query: str, k: int = 10, mode: str = "hybrid", allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, scores) of the k best documents with score > 0, sorted by (-score, doc id): the
        fast path of `search`, without the per-ranker details."""
        return top_k(self._scores(query, mode), k, self._mask(allowed))

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        allowed: np.ndarray | None = None,
        also: Sequence[int] = (),
        lend: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[Hit]:
        """The k best documents (score > 0) sorted by (-score, doc id); `allowed` is a boolean mask over
        documents restricting the search. Each hit carries every ranker's score and its rank among the
        top max(k, rank_depth) documents of this search (None: that ranker scores it 0 or it is not
        among them). `also`: documents found another way (dense search), appended in the order given
        with their scores here (0 when no query word is in them) unless they are among the k already.
        `lend`: (lenders, borrowers), two arrays of document ids: each borrower is also scored with its lender's
        words (`_lent`), so a manual page's description is found by the words of its NAME line; the per-ranker
        scores stay each document's own."""
        if k < 1:
            raise ValueError("k must be at least 1")
        scores = self._scores(query, mode)
        if lend is not None:
            lenders, borrowers = self._lending(lend)
            np.add.at(scores, borrowers, self._lent(query, mode, lenders, borrowers))  # this search's own array
        ids, vals = top_k(scores, max(k, self.settings.rank_depth), self._mask(allowed))
        top = set(ids[:k].tolist())
        extra = np.array([d for d in dict.fromkeys(int(d) for d in also) if d not in top], dtype=ids.dtype)
        docs = np.concatenate([ids, extra])
        parts = self._ranker_scores(query, mode, docs)
        ranks = {}
        for name, s in parts.items():
            order = np.lexsort((ids, -s[: len(ids)]))
            ranks[name] = {int(ids[i]): r for r, i in enumerate(order, start=1) if s[i] > 0}
        chosen = list(range(min(k, len(ids)))) + list(range(len(ids), len(docs)))
        return [
            Hit(
                int(docs[i]),
                float(vals[i]) if i < len(ids) else float(scores[docs[i]]),
                {n: RankerScore(float(parts[n][i]), ranks[n].get(int(docs[i]))) for n in sorted(parts)},
            )
            for i in chosen
        ]

    def _ranker_scores(self, query: str, mode: str, docs: np.ndarray) -> dict[str, np.ndarray]:
        """Each ranker's score of `docs` (BM25 and TF-IDF for hybrid, the mode's own otherwise)."""
        terms = self._weighted_terms(query, repair=mode == "hybrid")
        ids = list(terms)
        weightings: dict[str, tuple[np.ndarray, list[float]]] = {}
        if mode in ("bm25", "hybrid"):
            weightings["bm25"] = (self._bm25.data, [float(c) for c in terms.values()])
        if mode in ("tfidf", "hybrid"):
            q = dict(tfidf.query_weights(terms, self._tfidf_idf, self.settings.tfidf_sublinear))
            weightings["tfidf"] = (self._tfidf.data, [q[t] for t in ids])
        return dict(zip(weightings, self._bm25.scores_at(ids, list(weightings.values()), docs), strict=True))

    def with_settings(self, settings: EngineSettings) -> Engine:
        """The same index with other query-time settings (spelling, hybrid weight, rank depth); settings
        that shape the index itself (k1, b, analyzer, glue, n-grams) need a new build."""
        built = ("k1", "b", "epsilon", "tfidf_sublinear", "glue", "ngram_min", "ngram_max")
        changed = [f for f in built if getattr(settings, f) != getattr(self.settings, f)]
        if changed:
            raise ValueError(f"rebuild the index to change {', '.join(changed)}")
        arrays = dict(self._a)
        if settings.hybrid_tfidf_weight != self.settings.hybrid_tfidf_weight:
            arrays["hybrid_data"] = self._hybrid_data(arrays, settings)
        return Engine(arrays, settings, self.analyzer)

    @staticmethod
    def _hybrid_data(arrays: dict[str, np.ndarray], settings: EngineSettings) -> np.ndarray:
        bm25_data, tfidf_data = arrays["bm25_data"], arrays["tfidf_data"]
        out = np.empty(len(bm25_data), dtype=np.float32)
        pattern = Postings(arrays["indptr"], arrays["indices"], bm25_data, len(arrays["doc_len"]))
        for lo, hi, term_of_posting in pattern.row_blocks():  # float64 temporaries of one block at a time
            out[lo:hi] = fusion.linear_weights(
                bm25_data[lo:hi], tfidf_data[lo:hi], arrays["tfidf_idf"][term_of_posting], settings.hybrid_tfidf_weight
            )
        return out

    def clear_caches(self) -> None:
        """Forget remembered query-word repairs and term lookups (benchmarks measure them cold)."""
        self._repairs.clear()
        self._word_terms.clear()
        self._word_entries.clear()
        self.vocab.clear_cache()

    def _lent(self, query: str, mode: str, lenders: np.ndarray, borrowers: np.ndarray) -> np.ndarray:
        """What each borrower gains from its lender: per query term, the lender's weight beyond its own, so the
        borrower is scored as if it held the words of both, each once (a sum would count a shared word twice)."""
        terms = self._weighted_terms(query, repair=mode == "hybrid")
        if mode == "tfidf":
            q = dict(tfidf.query_weights(terms, self._tfidf_idf, self.settings.tfidf_sublinear))
            postings, weights = self._tfidf, [q[t] for t in terms]
        else:
            postings, weights = self._bm25, [float(c) for c in terms.values()]
        data = self._a["hybrid_data"] if mode == "hybrid" else postings.data
        gain = np.zeros(len(borrowers))
        for t, w in zip(terms, weights, strict=True):
            own, lent = (postings.scores_at([t], [(data, [w])], docs)[0] for docs in (borrowers, lenders))
            gain += np.maximum(lent - own, 0.0)
        return gain

    def _lending(self, lend: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        lenders, borrowers = (np.asarray(a) for a in lend)
        if lenders.ndim != 1 or lenders.shape != borrowers.shape or not all(a.dtype.kind in "iu" for a in lend):
            raise ValueError("lend must be two one-dimensional integer arrays of the same length")
        ids = np.concatenate([lenders, borrowers])
        if len(ids) and (ids.min() < 0 or ids.max() >= self.n_docs):
            raise ValueError(f"lend's document ids must be in 0..{self.n_docs - 1}")
        return lenders, borrowers

    def _mask(self, allowed: np.ndarray | None) -> np.ndarray | None:
        if allowed is None:
            return None
        allowed = np.asarray(allowed)
        if allowed.dtype != np.bool_ or allowed.shape != (self.n_docs,):
            raise ValueError(f"allowed must be a boolean array of shape ({self.n_docs},)")
        return allowed

    def query_terms(self, query: str) -> list[QueryTerm]:
        """Each distinct kept query word in order of first appearance, with df, idf and the stems the
        hybrid mode searches instead when it is out of the vocabulary."""
        out, seen = [], set()
        df = self._bm25.df()
        for word, s, ids in self._query_words(query, repair=True):
            if word in seen:
                continue
            seen.add(word)
            tid = self.vocab.id(s)
            if tid >= 0:
                out.append(QueryTerm(word, s, int(df[tid]), float(self._bm25_idf[tid]), True))
            else:
                out.append(QueryTerm(word, s, 0, 0.0, False, tuple(self.vocab.term(t) for t in ids)))
        return out

    def holding(self, stem: str, longer: int = 0) -> np.ndarray:
        """Sorted ids of the texts that hold `stem`, or a stem that begins with it and is at most `longer`
        characters longer (empty when none does)."""
        ids = [] if (tid := self.vocab.id(stem)) < 0 else [tid]
        if longer:
            ids += [t for t in self.vocab.with_prefix(stem, 10_000) if len(self.vocab.term(t)) <= len(stem) + longer]
        ip = self._bm25.row_bounds
        rows = [self._bm25.indices[ip[t] : ip[t + 1]] for t in ids]
        return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int32)

    def surface(self, stem: str) -> str | None:
        """The corpus's most frequent word with this stem ("sprain" for sprain), None when not indexed."""
        tid = self.vocab.id(stem)
        rep = int(self._a["term_surface"][tid]) if tid >= 0 else -1
        return self.speller.words.term(rep) if rep >= 0 else None

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Did-you-mean: up to n corpus surface words (the most frequent form of each stem) spelled
        close to `word`, closest and most frequent first; [] when none is close enough."""
        words = self.analyzer.words(word)
        if len(words) != 1:
            return []
        w = words[0][0]
        own = self.analyzer.stem(w)
        out: list[str] = []
        for _, i in self.speller.near(w):
            tid = int(self.speller.stem_of[i])
            if tid >= 0 and self.vocab.term(tid) == own:
                continue
            rep = int(self._a["term_surface"][tid]) if tid >= 0 else i
            form = self.speller.words.term(rep)
            if form not in out:
                out.append(form)
            if len(out) == n:
                break
        return out

    # ----- persistence -----------------------------------------------------------------------------

    def save(self, directory: Path) -> dict[str, Any]:
        """Write the index as plain .npy arrays into `directory`; returns the manifest to pass to `load`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        files = []
        for name in _ARRAYS:
            path = directory / f"engine-{name}.npy"
            np.save(path, np.ascontiguousarray(self._a[name]), allow_pickle=False)
            files.append(path.name)
        return {
            "format": FORMAT,
            "settings": self.settings.to_dict(),
            "analyzer": self.analyzer.to_dict(),
            "files": files,
            "counts": {"docs": self.n_docs, "terms": self.n_terms, "postings": int(len(self._bm25.indices))},
        }

    @classmethod
    def load(cls, directory: Path, meta: dict[str, Any], mmap: bool = True) -> Engine:
        """Open a saved index; with mmap the arrays are shared page by page by every process."""
        if meta.get("format") != FORMAT:
            raise ValueError(f"engine index format {meta.get('format')!r} is not {FORMAT}")
        mode = "r" if mmap else None
        arrays = {
            # np.asarray: a plain ndarray view of the shared pages, without np.memmap's per-call overhead
            name: np.asarray(np.load(Path(directory) / f"engine-{name}.npy", mmap_mode=mode, allow_pickle=False))
            for name in _ARRAYS
        }
        return cls(arrays, EngineSettings.from_dict(meta["settings"]), Analyzer.from_dict(meta["analyzer"]))


def _analyze(
    texts: Sequence[str], analyzer: Analyzer, progress: Callable[[int, int], None] | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every word of every text as an id into the distinct words in order of first appearance, and each text's
    number of words (qa.search.wordlists.analyze without a cache: the same values)."""
    surface_ids = _FirstSeen()
    lookup = surface_ids.__getitem__
    tokens = array("i")  # every word of every document as a surface id (C int), in order
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        words = analyzer.word_list(text)
        tokens.extend(map(lookup, words))  # C-speed for words already seen
        lengths[i] = len(words)
        if progress is not None and (i % 1000 == 999 or i == len(texts) - 1):
            progress(i + 1, len(texts))
    token_ids = np.frombuffer(tokens, dtype=np.intc) if len(tokens) else np.zeros(0, dtype=np.intc)
    return token_ids, lengths, list(surface_ids)


class _FirstSeen(dict):
    """word -> id in order of first appearance; a missing word gets the next id when looked up."""

    def __missing__(self, word: str) -> int:
        self[word] = n = len(self)
        return n


def _common_english(word: str) -> bool:
    """A word frequent in general English (so its absence from the corpus is no typo)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= COMMON_ZIPF


def _known_english(word: str) -> bool:
    """A word wordfreq knows at all (reanalysis, atypical): never treated as two glued words."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") > 0


def _surface_arrays(
    surface: Counter[str],
    analyzer: Analyzer,
    ids: dict[str, int],
    unglue: dict[str, str],
    settings: EngineSettings,
) -> dict[str, np.ndarray]:
    """Spelling data over alphabetic surface words: counts, indexed stems, char n-grams."""
    words = Vocabulary.from_terms(w for w in surface if w.isalpha() and len(w) >= 2)
    texts = [words.term(i) for i in range(len(words))]
    freq = np.array([surface[w] for w in texts], dtype=np.int64)
    stems = [analyzer.stem(w) for w in texts]
    stem_of = np.array([ids.get(unglue.get(s, s), -1) if s else -1 for s in stems], dtype=np.int32)
    term_surface = np.full(len(ids), -1, dtype=np.int32)
    for i in np.lexsort((np.arange(len(texts)), -freq))[::-1]:  # most frequent (then first) written last
        if stem_of[i] >= 0:
            term_surface[stem_of[i]] = i
    ngrams, grams, gram_idf = tfidf.ngram_weights(texts, settings.ngram_min, settings.ngram_max)
    gram_vocab = Vocabulary.from_terms(grams)
    assert [gram_vocab.term(i) for i in range(len(gram_vocab))] == grams, "n-gram order differs"
    return {
        "surface_words": words.terms, "surface_freq": freq, "surface_stem": stem_of,
        "term_surface": term_surface, "ngram_indptr": ngrams.indptr, "ngram_indices": ngrams.indices,
        "ngram_data": ngrams.data, "ngrams": gram_vocab.terms, "ngram_idf": gram_idf,
    }  # fmt: skip


def _unglue_map(surface: Counter[str], analyzer: Analyzer) -> dict[str, str]:
    """stem of a glued token -> stem of its word, for a token used at most twice, unknown to English,
    whose stem no other word shares, that is a stop word of 2+ letters (not an affix such as "re")
    glued to a corpus word of 4+ letters used 5 times as often: "ofcalf" -> calf, "painare" -> pain."""
    stop = analyzer.stop_words - AFFIXES
    by_stem: Counter[str] = Counter()
    for w in surface:
        by_stem[analyzer.stem(w) or ""] += 1
    out = {}
    for w, n in surface.items():
        if n > 2 or not w.isalpha() or w in analyzer.stop_words or _known_english(w):
            continue
        glued = analyzer.stem(w)
        for cut in range(2, len(w) - 1):
            head, tail = w[:cut], w[cut:]
            content = tail if head in stop else head if tail in stop else ""
            if len(content) >= 4 and surface.get(content, 0) >= 5 * n:
                word = analyzer.stem(content)
                if glued and word and glued != word and by_stem[glued] == 1:
                    out[glued] = word
                break
    return out
