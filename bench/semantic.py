"""What the semantic reranker costs, side by side in one run on the seed corpus.

    python -m bench.semantic --out bench/results/semantic.json
    python -m bench.semantic --scifact ../shared/beir/scifact --out bench/results/semantic-scifact.json

Build: the seed index lexical only vs with passage vectors (the faster of two builds each).
Questions (the developers' own set, plus the dev set when ../shared is there): QA.ask with the
reranker off, on with the question's vector cached (a repeated question), on with empty caches (a new
question: its vector and its first results' sentence vectors computed), and a new question whose
answer sentence is chosen by words and intent only (qa.answering.answer.SENTENCE_DEPTH 0, the path before
sentences were scored by meaning); then the dense search and the sentence scoring on their own.
Rounds interleave them so a burst on the shared machine hits all alike, and each question keeps its
fastest round.

--scifact: nDCG@10 of the hybrid mode's top 100 with its first `depth` reranked as qa.vectors.semantic does,
for several weights and depths, in the encoder's precision (QA_ENCODER_PRECISION=f32 for float32).
Encoding the 5,183 abstracts takes a few minutes; the vectors are cached in $QA_BENCH_CACHE (default
/tmp/qa-bench-cache), one file per precision.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OWN = ROOT / "tests" / "data" / "own-questions.jsonl"
DEV = ROOT.parent / "shared" / "eval" / "devset.jsonl"


def questions(limit: int | None = None) -> list[str]:
    files = [OWN] + ([DEV] if DEV.exists() else [])
    found = [json.loads(line)["question"] for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    return found[:limit] if limit else found


def _build(corpus: Path, index: Path, semantic: bool) -> float:
    from qa.storage.index import build_index

    start = time.perf_counter()
    build_index(corpus, index, semantic=semantic)
    return time.perf_counter() - start


def run(corpus: Path = ROOT / "corpus", rounds: int = 5, limit: int | None = None) -> dict[str, Any]:
    from qa.answering import answer
    from qa.api import QA
    from qa.vectors import encoder

    encoder.shared()  # loading the weights once is start-up cost, not build or query cost
    asked = questions(limit)
    with tempfile.TemporaryDirectory() as tmp:
        lexical_dir, semantic_dir = Path(tmp) / "lexical", Path(tmp) / "semantic"
        build = {"lexical_s": float("inf"), "semantic_s": float("inf")}
        for _ in range(2):  # the first build also loads word lists: keep each kind's faster build
            build["lexical_s"] = min(build["lexical_s"], _build(corpus, lexical_dir, False))
            build["semantic_s"] = min(build["semantic_s"], _build(corpus, semantic_dir, True))
        lexical, reranked = QA.open(lexical_dir), QA.open(semantic_dir)
        reranker = reranked._loaded.answerer.reranker
        for q in asked:  # first use: word lists, caches of analysed passages
            lexical.ask(q)
            reranked.ask(q)
        answerer = reranked._loaded.answerer
        names = ("off", "cached", "new", "new_words_sentences", "dense", "sentences")
        best: dict[str, list[float]] = {name: [float("inf")] * len(asked) for name in names}
        for _ in range(rounds):
            for i, q in enumerate(asked):
                # "new" empties the caches of question and sentence vectors; "cached" then finds them;
                # "new_words_sentences" is a new question with the answer sentence chosen by words and
                # intent only (SENTENCE_DEPTH 0); since 4a1a03f the abstention rule (Thresholds.close_sentence)
                # still encodes the first result's sentences, so it is no longer the path before meaning
                for name, qa, clear, depth in (
                    ("off", lexical, False, answer.SENTENCE_DEPTH),
                    ("new", reranked, True, answer.SENTENCE_DEPTH),
                    ("cached", reranked, False, answer.SENTENCE_DEPTH),
                    ("new_words_sentences", reranked, True, 0),
                ):
                    if clear:
                        reranker.vector.cache_clear()
                        reranker._sentences.cache_clear()
                    saved, answer.SENTENCE_DEPTH = answer.SENTENCE_DEPTH, depth
                    try:
                        start = time.perf_counter()
                        qa.ask(q)
                        best[name][i] = min(best[name][i], (time.perf_counter() - start) * 1000)
                    finally:
                        answer.SENTENCE_DEPTH = saved
                # the two parts on their own: the dense search (question vector cached) and the
                # sentence scoring of the first results (their sentences encoded anew)
                start = time.perf_counter()
                reranker.nearest(q)
                best["dense"][i] = min(best["dense"][i], (time.perf_counter() - start) * 1000)
                hits = answerer.evidence(q, 3, "hybrid").hits[: answer.SENTENCE_DEPTH]
                reranker._sentences.cache_clear()
                start = time.perf_counter()
                for hit in hits:
                    reranker.sentence_cosines(q, hit.doc, answerer.store.get(hit.doc))
                best["sentences"][i] = min(best["sentences"][i], (time.perf_counter() - start) * 1000)
    ms = {name: round(statistics.median(v), 3) for name, v in best.items()}
    return {
        "questions": len(asked),
        "rounds": rounds,
        "passages": reranked.info.passages,
        "build": {k: round(v, 3) for k, v in build.items()},
        "ask_ms_p50": ms,
        "ratio_cached": round(ms["off"] / ms["cached"], 3),
        "ratio_new": round(ms["off"] / ms["new"], 3),
        "ratio_new_vs_words_sentences": round(ms["new_words_sentences"] / ms["new"], 3),
    }


def scifact_vectors(texts: list[str]) -> Any:
    """SciFact's passage vectors, encoded once and cached in $QA_BENCH_CACHE (by encoder precision)."""
    import numpy as np

    from bench.scale import CACHE
    from qa.vectors import encoder

    enc = encoder.shared()
    cache = CACHE / f"scifact-minilm-{enc.precision}-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache)
    start, said = time.perf_counter(), [0.0]

    def report(done: int, total: int) -> None:
        if time.perf_counter() - said[0] > 10 or done == total:
            said[0] = time.perf_counter()
            print(f"encoded {done}/{total} in {said[0] - start:.0f} s", flush=True)

    vectors = enc.encode(texts, progress=report)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def scifact(
    directory: Path,
    weights: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0),
    depths: tuple[int, ...] = (10, 20, 100),
    dense_depths: tuple[int, ...] = (0, 10, 20, 50),
) -> dict[str, Any]:
    """SciFact nDCG@10 with the hybrid ranking reranked by all-MiniLM-L6-v2, with dense candidates fused
    in as the answer layer does, by reciprocal-rank fusion instead, and the encoder alone."""
    import numpy as np

    from qa.evaluation import beir
    from qa.search.engine import Engine, EngineSettings
    from qa.vectors import encoder
    from qa.vectors.semantic import Reranker

    doc_ids, texts, queries, qrels = beir.load_beir(directory)
    enc = encoder.shared()
    vectors = scifact_vectors(texts)
    engine = Engine.build(texts, EngineSettings())
    hits = {qid: engine.search(q, k=max(depths), mode="hybrid") for qid, q in queries.items()}
    qvec = {qid: enc.encode([q])[0] for qid, q in queries.items()}
    by_text = {q: qvec[qid] for qid, q in queries.items()}

    def ndcg(runs: dict[str, list[int]]) -> float:
        return round(float(np.mean([beir.ndcg_at([doc_ids[d] for d in runs[qid]], qrels[qid]) for qid in queries])), 4)

    rows = []
    for depth in depths:
        for weight in weights:
            reranker = Reranker(enc, vectors, weight=weight, depth=depth)
            reranker.vector = by_text.__getitem__
            runs = {
                qid: [h.doc for h in reranker.rerank(q, hits[qid][:depth]) + hits[qid][depth:]]
                for qid, q in queries.items()
            }
            rows.append({"depth": depth, "weight": weight, "ndcg@10": ndcg(runs)})
    fused = []
    nearest = {qid: np.argsort(-(vectors @ qvec[qid]), kind="stable")[:100] for qid in queries}
    for dense_depth in dense_depths:
        for weight in (1.0, 2.0, 4.0):
            reranker = Reranker(enc, vectors, weight=weight, depth=20, dense_depth=dense_depth)
            reranker.vector = by_text.__getitem__
            runs = {}
            for qid, q in queries.items():
                found = engine.search(q, k=20, mode="hybrid", also=nearest[qid][:dense_depth].tolist())
                ranked = [h.doc for h in reranker.rerank(q, found)]
                runs[qid] = ranked + [h.doc for h in hits[qid][20:] if h.doc not in set(ranked)]
            fused.append({"lexical": 20, "dense": dense_depth, "weight": weight, "ndcg@10": ndcg(runs)})
    rrf = {}
    for qid in queries:
        score: dict[int, float] = {}
        for ranked in ([h.doc for h in hits[qid]], nearest[qid].tolist()):
            for r, d in enumerate(ranked, start=1):
                score[d] = score.get(d, 0.0) + 1.0 / (60 + r)
        rrf[qid] = sorted(score, key=lambda d: (-score[d], d))
    alone = ndcg({qid: v.tolist() for qid, v in nearest.items()})
    return {"queries": len(queries), "documents": len(texts), "rows": rows, "fusion": fused,
            "rrf_k60_ndcg@10": ndcg(rrf), "encoder_only_ndcg@10": alone, "precision": enc.precision}  # fmt: skip


def table(r: dict[str, Any]) -> str:
    ms = r["ask_ms_p50"]
    return "\n".join(
        [
            "| | reranker off | on, repeated question | on, new question |",
            "|---|---|---|---|",
            f"| `QA.ask` p50 (ms) | {ms['off']:.2f} | {ms['cached']:.2f} | {ms['new']:.2f} |",
            f"| speed vs off | 1.00× | {r['ratio_cached']:.2f}× | {r['ratio_new']:.2f}× |",
            "",
            f"Of a new question: dense search {ms['dense']:.2f} ms, answer sentences scored by meaning "
            f"{ms['sentences']:.2f} ms; a new question with sentences chosen by words only "
            f"{ms['new_words_sentences']:.2f} ms ({r['ratio_new_vs_words_sentences']:.2f}× the full path's speed).",
            "",
            f"Seed index build ({r['passages']} passages): {r['build']['lexical_s']:.2f} s lexical only, "
            f"{r['build']['semantic_s']:.2f} s with passage vectors.",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scifact", type=Path, help="a BEIR folder: measure nDCG@10 with reranking instead")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.scifact:
        result = scifact(args.scifact)
        for row in result["rows"]:
            print(f"depth {row['depth']:>3}  weight {row['weight']:<4}  nDCG@10 {row['ndcg@10']:.4f}")
        for row in result["fusion"]:
            print(f"lexical 20 + dense {row['dense']:>3}  weight {row['weight']:<4}  nDCG@10 {row['ndcg@10']:.4f}")
        print(f"reciprocal-rank fusion (k 60) of hybrid and dense top 100: nDCG@10 {result['rrf_k60_ndcg@10']:.4f}")
        print(f"encoder alone: nDCG@10 {result['encoder_only_ndcg@10']:.4f}")
    else:
        result = run(rounds=args.rounds)
        print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
