"""Distinct-question soak (issue 13 row 10): RSS of a process answering only questions it has never seen
(one new 1,999-character word each, the issue's case; with --many every other one is ~200 new short
words, whose spelling repair costs ~1.4 s each here), after a warm-up that fills the
byte-bounded caches, then after N more; growth should stay within a few per cent.

    python -m bench.soak_distinct --questions 100000 --warmup 20000 --out bench/results/soak_distinct.json

In-process (the same code a gunicorn worker runs per request, without HTTP), on the seed index;
QA_SEMANTIC=off by default because a new 2,000-character question costs ~1 s in the numpy encoder
(the question-vector cache is bounded the same way, tests/test_hardening_caches.py). Bounded by --seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def questions(seed: int, many: bool = False):
    """An endless stream of distinct questions."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    i = 0
    while True:
        if i % 2 or not many:
            yield "".join(rng.choice(letters) for _ in range(1999))
        else:
            yield " ".join("".join(rng.choice(letters) for _ in range(9)) for _ in range(200))[:1999]
        i += 1


def run(n: int, warmup: int, seconds: float, semantic: bool = False, many: bool = False) -> dict[str, Any]:
    import psutil

    os.environ["QA_SEMANTIC"] = "auto" if semantic else "off"
    from qa.api import QA
    from qa.storage.index import build_index

    process = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="qa-soak-distinct-") as tmp:
        build_index(ROOT / "corpus", Path(tmp) / "index")
        qa = QA.open(Path(tmp) / "index")
        qa.warm_up()
        stream = questions(13, many)
        deadline = time.monotonic() + seconds
        rss_start_of_warmup = process.memory_info().rss
        for _ in range(warmup):
            qa.ask(next(stream), mode="hybrid")
        rss_after_warmup = process.memory_info().rss
        asked, started = 0, time.monotonic()
        while asked < n and time.monotonic() < deadline:
            qa.ask(next(stream), mode="hybrid")
            asked += 1
        rss_end = process.memory_info().rss
    mib = 2**20
    return {
        "command": f"python -m bench.soak_distinct --questions {n} --warmup {warmup} --seconds {seconds:g}"
        + (" --many" if many else ""),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "note": "shared 2-core machine; in-process; semantic reranking " + ("on" if semantic else "off"),
        "warmup_questions": warmup,
        "questions_after_warmup": asked,
        "seconds": round(time.monotonic() - started, 1),
        "rss_mib_before_warmup": round(rss_start_of_warmup / mib, 1),
        "rss_mib_after_warmup": round(rss_after_warmup / mib, 1),
        "rss_mib_at_end": round(rss_end / mib, 1),
        "rss_growth_percent": round(100 * (rss_end - rss_after_warmup) / rss_after_warmup, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--many", action="store_true", help="every other question ~200 new short words")
    parser.add_argument("--max-growth", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.questions, args.warmup, args.seconds, args.semantic, args.many)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if result["rss_growth_percent"] <= args.max_growth else 1


if __name__ == "__main__":
    sys.exit(main())
