"""BENCHMARKS.md is regenerated from result JSON: tables, plots and target verdicts follow the figures."""

from __future__ import annotations

import json

from bench import report


def q(qps, p50):
    return {"qps": qps, "p50_ms": p50, "p99_ms": 2 * p50}


def scale_row(system, n, build_s, **queries):
    return {"system": system, "n": n, "build_s": build_s, "index_bytes": 2**20, "build_peak_rss": 2**30,
            "serve": {"rss": 2**29, "uss": 2**28, "pss": 2**28}, "serve_peak_rss": 2**29} | queries  # fmt: skip


def test_report_lists_met_and_missed_targets(tmp_path):
    rows = [scale_row("ours", 1000, 200.0, **{"bm25/short": q(300, 3.0), "bm25/long": q(100, 30.0),
                                              "hybrid/short": q(100, 4.0), "hybrid/long": q(40, 25.0)}),
            scale_row("bm25s", 1000, 50.0, **{"bm25/short": q(200, 5.0), "bm25/long": q(100, 10.0)})]  # fmt: skip
    (tmp_path / "scale.json").write_text(json.dumps({"rows": rows}))
    ask = {"rps": 100.0, "requests": 100, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0}
    health = ask | {"rps": 150.0}
    (tmp_path / "http.json").write_text(json.dumps({"duration_s": 1, "throughput": [
        {"workers": 1, "healthz": health, "ask": ask, "ask_vs_healthz": 100 / 150}]}))  # fmt: skip
    out = tmp_path / "BENCHMARKS.md"
    report.write(tmp_path, out)
    text = out.read_text()
    assert "| bm25 ≥ 1.0× bm25s q/s (1,000, short questions) | met | 1.50× |" in text
    assert "| bm25 ≥ 1.0× bm25s q/s (1,000, long questions) | met | 1.00× |" in text
    assert "| hybrid ≥ 0.5× bm25s q/s (1,000, long questions) | **missed** | 0.40× |" in text
    assert "| build ≤ 3 min (1,000) | **missed** | 200 s |" in text
    assert "| query p50 ≤ 20 ms (1,000, worst of mode × length) | **missed** | 30.0 ms |" in text
    assert "| serving RSS ≤ 4 GiB (1,000) | met | 0.50 GiB |" in text
    assert "| /v1/ask ≥ 0.5× /healthz req/s, no errors (1 workers) | met | 0.67×, 0 errors |" in text
    assert "| 1 | 150 | 1.00 | 2.00 | 0 | 100 | 1.00 | 2.00 | 0 | 0.67 |" in text
    assert (tmp_path / "scale.png").stat().st_size > 0 and (tmp_path / "http.png").stat().st_size > 0
