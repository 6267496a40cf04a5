"""The sentence encoder against sentence-transformers, side by side in one run.

    python -m bench.encoder --out bench/results/encoder.json
    QA_BENCH_ST_PYTHON=/path/to/venv/bin/python python -m bench.encoder --out bench/results/encoder.json

Same model files, same texts (SciFact abstracts and questions when ../shared is there, else the seed's
passages and the developers' questions): passages per second (texts batched as each library batches
them), ms per new question (one text at a time), at 1 thread, then at 2 threads while a spinning process
keeps the other core busy. Rounds interleave the encoders so a burst on the shared machine hits all
alike; each keeps its best round (each question its fastest). Cosines are to sentence-transformers'
vectors for the same passages.

sentence-transformers needs torch, which qa never installs: it runs in another interpreter (a scratch
venv with `pip install torch sentence-transformers`) named by --peer-python or $QA_BENCH_ST_PYTHON, or
in this one if it can import it. Without it, its column is skipped and the report says so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "beir" / "scifact"
PEER = "sentence-transformers"
BUSY_QUESTIONS = 30


def texts(passages: int, questions: int) -> tuple[list[str], list[str], str]:
    """Passages and questions to encode, and where they came from."""
    if (SCIFACT / "corpus.jsonl").exists():
        lines = (SCIFACT / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        docs = [json.loads(line)["text"] for line in lines[:passages]]
        lines = (SCIFACT / "queries.jsonl").read_text(encoding="utf-8").splitlines()
        return docs, [json.loads(line)["text"] for line in lines[:questions]], "SciFact"
    from bench.semantic import questions as own_questions
    from qa.ingest.corpus import load_corpus

    corpus = load_corpus(ROOT / "corpus")
    return [p.text for p in corpus.passages][:passages], own_questions(questions), "seed corpus"


# --- the peer: sentence-transformers in its own interpreter, driven over stdin/stdout (JSON lines) ---


def serve_peer(commands: IO[str], replies: IO[str], load: Callable[[str, int], Any]) -> None:
    """Answer timing commands until stdin closes; `load(model_dir, threads)` gives a SentenceTransformer."""
    import numpy as np

    model = None
    for line in commands:
        cmd = json.loads(line)
        if cmd["op"] == "load":
            model = load(cmd["model_dir"], cmd["threads"])
            model.encode(cmd["warm_up"], normalize_embeddings=True)  # first inferences are not the steady state
            reply: dict[str, Any] = {}
        elif cmd["op"] == "passages":
            start = time.perf_counter()
            vectors = model.encode(cmd["texts"], batch_size=cmd["batch"], normalize_embeddings=True)
            reply = {"seconds": time.perf_counter() - start}
            if cmd.get("save"):
                np.save(cmd["save"], np.asarray(vectors, dtype=np.float32))
        else:  # questions, one at a time
            seconds = []
            for text in cmd["texts"]:
                start = time.perf_counter()
                model.encode([text], normalize_embeddings=True)
                seconds.append(time.perf_counter() - start)
            reply = {"seconds": seconds}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def _load_sentence_transformer(model_dir: str, threads: int) -> Any:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    return SentenceTransformer(model_dir, device="cpu")


class Peer:
    """sentence-transformers in a child interpreter."""

    def __init__(self, python: str) -> None:
        self.process = subprocess.Popen(
            [python, "-m", "bench.encoder", "--serve-peer"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
        )
        self.version = subprocess.run(
            [python, "-c", "import sentence_transformers as s, torch as t; print(s.__version__, t.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()

    def ask(self, **cmd: Any) -> dict[str, Any]:
        self.process.stdin.write(json.dumps(cmd) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{PEER} exited (code {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def find_peer(explicit: str | None) -> tuple[str | None, str]:
    """The interpreter that runs sentence-transformers, or None and why not."""
    python = explicit or os.environ.get("QA_BENCH_ST_PYTHON")
    if python:
        return (python, "") if Path(python).exists() else (None, f"{python} does not exist")
    if _importable("sentence_transformers") and _importable("torch"):
        return sys.executable, ""
    return None, (
        f"{PEER} is not installed here (it needs torch, which qa does not install): its column is skipped. "
        "Install both in a scratch venv and name its python in QA_BENCH_ST_PYTHON or --peer-python."
    )


@contextmanager
def busy_core() -> Any:
    """A process spinning on one core for as long as the block runs."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        yield
    finally:
        spinner.kill()
        spinner.wait()


def _ours_passages(enc: Any, docs: list[str]) -> tuple[float, Any]:
    start = time.perf_counter()
    vectors = enc.encode(docs)
    return time.perf_counter() - start, vectors


def _ours_questions(enc: Any, questions: list[str]) -> list[float]:
    seconds = []
    for q in questions:
        start = time.perf_counter()
        enc.encode([q])
        seconds.append(time.perf_counter() - start)
    return seconds


def measure(
    threads: int,
    docs: list[str],
    questions: list[str],
    rounds: int,
    peer: Peer | None,
    reference: str | None,
    f32: bool = True,
) -> dict[str, Any]:
    """Best passages/s and mean of each question's fastest ms, for ours (default and f32) and the peer."""
    import numpy as np

    from qa.vectors import encoder

    ours = {"ours": encoder.shared(threads=threads)}
    if f32:
        ours["ours f32"] = encoder.Encoder.load(threads=threads, precision="f32")
    if peer:
        peer.ask(op="load", model_dir=str(encoder.model_dir()), threads=threads, warm_up=docs[:8] + questions[:8])
    for enc in ours.values():  # warm-up: first inferences plan their shapes
        enc.encode(docs[:8] + questions[:8])
    best = {name: {"passage_s": float("inf"), "question_s": [float("inf")] * len(questions)} for name in [*ours, PEER]}
    vectors = {}
    for r in range(rounds):
        for name, enc in ours.items():
            seconds, vectors[name] = _ours_passages(enc, docs)
            best[name]["passage_s"] = min(best[name]["passage_s"], seconds)
            best[name]["question_s"] = list(map(min, best[name]["question_s"], _ours_questions(enc, questions)))
        if peer:
            save = reference if r == 0 else None
            best[PEER]["passage_s"] = min(
                best[PEER]["passage_s"], peer.ask(op="passages", texts=docs, batch=32, save=save)["seconds"]
            )
            best[PEER]["question_s"] = list(
                map(min, best[PEER]["question_s"], peer.ask(op="questions", texts=questions)["seconds"])
            )
    if not peer:
        del best[PEER]
    out = {"threads": threads, "precision": ours["ours"].precision}
    for name, b in best.items():
        out[name] = {"passages_per_s": round(len(docs) / b["passage_s"], 2),
                     "ms_per_question": round(1000 * float(np.mean(b["question_s"])), 3)}  # fmt: skip
    if peer and reference:
        st = np.load(reference)
        for name in ours:
            cosine = (vectors[name] * st).sum(axis=1)
            out[name]["cosine_to_peer"] = {"mean": round(float(cosine.mean()), 6), "min": round(float(cosine.min()), 6)}
    if peer:
        for name in ours:
            out[name]["passages_ratio"] = round(out[name]["passages_per_s"] / out[PEER]["passages_per_s"], 3)
            out[name]["question_time_ratio"] = round(out[name]["ms_per_question"] / out[PEER]["ms_per_question"], 3)
    return out


def run(
    passages: int = 300, questions: int = 200, rounds: int = 2, peer_python: str | None = None, f32: bool = True
) -> dict[str, Any]:
    """Both settings (1 thread; 2 threads beside a busy core), with the peer when it can run; `f32`: also
    ours in float32."""
    import openvino

    docs, asked, source = texts(passages, questions)
    python, skipped = find_peer(peer_python)
    peer = Peer(python) if python else None
    result: dict[str, Any] = {"source": source, "passages": len(docs), "questions": len(asked), "rounds": rounds,
                              "openvino": openvino.__version__, "encoders": ["ours"] + ["ours f32"] * f32,
                              "peer": None, "peer_skipped": skipped}  # fmt: skip
    try:
        if peer:
            result["peer"] = {"name": PEER, "version": peer.version[0], "torch": peer.version[1]}
        with tempfile.TemporaryDirectory() as tmp:
            reference = str(Path(tmp) / "peer.npy") if peer else None
            result["one_thread"] = measure(1, docs, asked, rounds, peer, reference, f32)
            with busy_core():  # sentence-transformers takes seconds per question here: fewer of them
                busy = asked[:BUSY_QUESTIONS]
                result["two_threads_busy"] = measure(2, docs, busy, rounds, peer, reference, f32)
                result["two_threads_busy"]["questions"] = len(busy)
    finally:
        if peer:
            peer.close()
    return result


def table(r: dict[str, Any]) -> str:
    """The side-by-side table in Markdown."""
    ours = r["encoders"]
    names = ours + ([PEER] if r["peer"] else [])
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key, label in (("one_thread", "1 thread"), ("two_threads_busy", "2 threads, other core busy")):
        m = r[key]
        lines.append(f"| passages/s, {label} | " + " | ".join(f"{m[n]['passages_per_s']:.1f}" for n in names) + " |")
        lines.append(
            f"| ms per question, {label} | " + " | ".join(f"{m[n]['ms_per_question']:.2f}" for n in names) + " |"
        )
        if r["peer"]:
            ratios = [
                f"{m[n]['passages_ratio']:.2f}× passages/s, {m[n]['question_time_ratio']:.2f}× time" for n in ours
            ]
            lines.append(f"| vs {PEER}, {label} | " + " | ".join(ratios) + " | 1 |")
    if r["peer"]:
        cos = r["one_thread"]
        lines.append("| cosine to its vectors, mean (min) | "
                     + " | ".join(f"{cos[n]['cosine_to_peer']['mean']:.5f} ({cos[n]['cosine_to_peer']['min']:.5f})"
                                  for n in ours) + " | 1 |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=300)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--peer-python", help=f"the python that runs {PEER} (default: $QA_BENCH_ST_PYTHON)")
    parser.add_argument("--serve-peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.serve_peer:
        serve_peer(sys.stdin, sys.stdout, _load_sentence_transformer)
        return
    result = run(args.passages, args.questions, args.rounds, args.peer_python)
    if result["peer_skipped"]:
        print(result["peer_skipped"], file=sys.stderr)
    print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
