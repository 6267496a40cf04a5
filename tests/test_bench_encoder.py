"""Smoke test of bench/encoder.py: ours at 1 and 2 threads, the sentence-transformers column skipped with
a reason when it cannot run, and the peer's wire protocol."""

from __future__ import annotations

import io
import json

import numpy as np

from bench import encoder as bench


def test_without_sentence_transformers_the_column_is_skipped_and_said_so(monkeypatch):
    monkeypatch.delenv("QA_BENCH_ST_PYTHON", raising=False)
    monkeypatch.setattr(bench, "_importable", lambda module: False)
    result = bench.run(passages=3, questions=2, rounds=1, f32=False)
    assert result["peer"] is None
    assert result["peer_skipped"].startswith("sentence-transformers is not installed here")
    assert (result["passages"], result["questions"]) == (3, 2)
    for key, threads in (("one_thread", 1), ("two_threads_busy", 2)):
        m = result[key]
        assert m["threads"] == threads
        assert set(m) - {"questions"} == {"threads", "precision", "ours"}
        assert m["ours"]["passages_per_s"] > 0 and m["ours"]["ms_per_question"] > 0
    text = bench.table(result)
    assert text.splitlines()[0] == "| | ours |"
    assert "| passages/s, 2 threads, other core busy |" in text
    assert "cosine" not in text


def test_a_peer_interpreter_that_does_not_exist_is_named(tmp_path):
    python, why = bench.find_peer(str(tmp_path / "python"))
    assert python is None
    assert why == f"{tmp_path / 'python'} does not exist"


def test_the_peer_answers_each_command_on_one_line(tmp_path):
    class Fake:
        def __init__(self):
            self.calls = []

        def encode(self, texts, batch_size=32, normalize_embeddings=False):
            self.calls.append((list(texts), batch_size, normalize_embeddings))
            return np.ones((len(texts), 2), dtype=np.float64)

    fake = Fake()
    loaded = []
    commands = [
        {"op": "load", "model_dir": "/m", "threads": 2, "warm_up": ["w"]},
        {"op": "passages", "texts": ["a", "b", "c"], "batch": 4, "save": str(tmp_path / "v.npy")},
        {"op": "questions", "texts": ["q1", "q2"]},
    ]
    out = io.StringIO()
    bench.serve_peer(
        io.StringIO("".join(json.dumps(c) + "\n" for c in commands)), out, lambda d, t: loaded.append((d, t)) or fake
    )
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert loaded == [("/m", 2)]
    assert replies[0] == {}
    assert replies[1]["seconds"] >= 0 and len(replies[2]["seconds"]) == 2
    assert fake.calls == [(["w"], 32, True), (["a", "b", "c"], 4, True), (["q1"], 32, True), (["q2"], 32, True)]
    saved = np.load(tmp_path / "v.npy")
    assert saved.dtype == np.float32 and saved.shape == (3, 2)


def _figures(passages_per_s, ms, ratio=None, time_ratio=None):
    row = {"passages_per_s": passages_per_s, "ms_per_question": ms}
    if ratio is not None:
        row |= {
            "passages_ratio": ratio,
            "question_time_ratio": time_ratio,
            "cosine_to_peer": {"mean": 0.99997, "min": 0.9999},
        }
    return row


def test_the_report_judges_the_targets_against_sentence_transformers():
    from bench import report

    result = {"source": "SciFact", "passages": 300, "questions": 200, "rounds": 2, "openvino": "2026.4.1",
              "encoders": ["ours"], "peer": {"name": "sentence-transformers", "version": "6.2.0", "torch": "2.13.0"},
              "peer_skipped": "",
              "one_thread": {"threads": 1, "precision": "bf16", "ours": _figures(60.0, 3.0, 3.0, 0.3),
                             "sentence-transformers": _figures(20.0, 10.0)},
              "two_threads_busy": {"threads": 2, "precision": "bf16", "ours": _figures(30.0, 12.0, 0.9, 0.8),
                                   "sentence-transformers": _figures(33.3, 15.0)}}  # fmt: skip
    lines, targets = report.encoder_section(result)
    assert targets == [
        ("encoder passages/s ≥ 1.5× sentence-transformers (1 thread)", True, "3.00×"),
        ("encoder time per question ≤ 0.5× sentence-transformers (1 thread)", True, "0.30×"),
        ("encoder ≥ 1.0× sentence-transformers at 2 threads, other core busy (passages/s; question speed)", False,
         "0.90×; 1.25×"),
    ]  # fmt: skip
    text = "\n".join(lines)
    assert "| passages/s, 1 thread | 60.0 | 20.0 |" in text
    assert "| vs sentence-transformers, 1 thread | 3.00× passages/s, 0.30× time | 1 |" in text
    assert "| cosine to its vectors, mean (min) | 0.99997 (0.99990) | 1 |" in text


def test_the_report_without_the_peer_says_why_and_judges_nothing():
    from bench import report

    ours = {"threads": 1, "precision": "bf16", "ours": _figures(60.0, 3.0)}
    result = {"source": "SciFact", "passages": 3, "questions": 2, "rounds": 1, "openvino": "2026.4.1",
              "encoders": ["ours"], "peer": None, "peer_skipped": "sentence-transformers is not installed here",
              "one_thread": ours, "two_threads_busy": ours | {"threads": 2}}  # fmt: skip
    lines, targets = report.encoder_section(result)
    assert targets == []
    assert "*sentence-transformers is not installed here*" in lines
