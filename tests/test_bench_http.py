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
