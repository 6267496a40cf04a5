"""Smoke test of the HTTP benchmark: wrk's report parsed exactly; one short real run on loopback."""

from __future__ import annotations

import shutil

import pytest

from bench import http

WRK_OUT = """Running 1s test @ http://127.0.0.1:8000/healthz
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.00us  200.00us   5.00ms   90.00%
  Latency Distribution
     50%  512.00us
     75%  700.00us
     90%    1.10ms
     99%    2.50ms
  6000 requests in 1.00s, 1.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   5998.50
Transfer/sec:      1.00MB
"""


def test_parse_wrk_reads_every_figure():
    assert http.parse_wrk(WRK_OUT) == {"rps": 5998.5, "requests": 6000, "p50_ms": 0.512, "p99_ms": 2.5, "errors": 7}


def test_ask_paths_are_url_encoded():
    assert http.ask_paths(("calf pain?",)) == ["/v1/ask?q=calf%20pain%3F"]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (Debian package `wrk`)")
def test_one_worker_serves_both_routes(tmp_path):
    result = http.run([1], 3, None, tmp_path)
    (row,) = result["throughput"]
    assert row["workers"] == 1 and row["healthz"]["requests"] > 0 and row["ask"]["requests"] > 0
    assert row["healthz"]["errors"] == 0 and row["ask"]["errors"] == 0
    assert 0 < row["ask_new"]["requests"] <= 3 * http.NEW_PER_SECOND and row["ask_new"]["errors"] == 0
    assert row["new_vs_repeated"] == row["ask_new"]["rps"] / row["ask"]["rps"]
    assert row["threads"] == 1 and all(row[k]["cpu_ms"] > 0 for k in ("healthz", "ask", "ask_new"))
    assert row["new_vs_repeated_cpu"] == row["ask"]["cpu_ms"] / row["ask_new"]["cpu_ms"]


def test_new_questions_are_distinct_and_made_of_the_corpus_words():
    questions = http.new_questions(500)
    assert len(questions) == len(set(questions)) == 500
    assert questions == http.new_questions(500)  # the same run after run
    assert all(any(q.startswith(t.split("{}")[0]) for t in http.TEMPLATES) for q in questions)
    assert questions[0] != http.new_questions(1, seed=1)[0]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (Debian package `wrk`)")
def test_each_once_mode_never_sends_a_path_twice():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Record(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((http.HOST, 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        paths = [f"/p{i}" for i in range(200_000)]
        result = http.wrk(f"http://{http.HOST}:{server.server_port}/", 1, 4, paths, once=True)
    finally:
        server.shutdown()
        server.server_close()
    assert result["requests"] > 10 and result["errors"] == 0
    assert len(seen) == len(set(seen)) >= result["requests"]


def test_the_report_judges_new_questions_against_repeated_ones(tmp_path):
    from bench import report

    ask = {"rps": 1000.0, "requests": 1000, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0}
    row = {"workers": 2, "healthz": ask | {"rps": 2000.0}, "ask": ask, "ask_vs_healthz": 0.5,
           "ask_new": ask | {"rps": 450.0, "p50_ms": 4.0, "p99_ms": 9.0}, "new_vs_repeated": 0.45}  # fmt: skip
    lines, targets = report.http_section({"duration_s": 1, "throughput": [row]}, tmp_path)
    assert ("/v1/ask new question ≥ 0.5× repeated req/s, no errors (2 workers)", False, "0.45×, 0 errors") in targets
    assert "| 2 | 1 | 1,000 | 450 | 4.00 | 9.00 | 0 | 0.45 | – | – |" in lines  # a row of before the CPU times
    threaded = row | {"threads": 4, "ask": ask | {"cpu_ms": 2.0}, "ask_new": row["ask_new"] | {"cpu_ms": 3.2},
                      "new_vs_repeated": 0.55, "new_vs_repeated_cpu": 0.625}  # fmt: skip
    lines, targets = report.http_section({"duration_s": 1, "throughput": [row, threaded]}, tmp_path)
    assert targets[-1] == ("/v1/ask new question ≥ 0.5× repeated req/s, no errors (2 workers × 4 threads)", True,
                           "0.55×, 0 errors")  # fmt: skip
    assert "| 2 | 4 | 1,000 | 450 | 4.00 | 9.00 | 0 | 0.55 | 2.00 / 3.20 | 0.62 |" in lines
    assert "| 2 | 4 | 2,000 | 1.00 | 2.00 | 0 | 1,000 | 1.00 | 2.00 | 0 | 0.50 |" in lines
