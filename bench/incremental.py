"""Rebuild after one changed file against the full build, side by side in one run: a copy of a corpus is built
from nothing, one file gains a sentence, and it is built again (reusing the cache); optionally the rebuild is
checked byte for byte against a build from nothing of the edited corpus.

    python -m bench.incremental --synthetic 120 --out bench/results/incremental.json
    python -m bench.incremental --corpus /usr/share/doc/python3/html/library --semantic on --profile /tmp/rebuild.prof

Each build reports its wall time and its CPU time (this process and the worker processes it waited for);
`--profile` also writes a cProfile of the rebuild (this process only) and prints its top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import synth

SENTENCE = "This sentence was added to measure an incremental rebuild."


def synthetic_corpus(folder: Path, files: int, paragraphs: int = 5) -> Path:
    """`files` text files of `paragraphs` synthetic passages each (bench.synth, deterministic)."""
    texts = synth.passages(files * paragraphs, seed=12)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        body = "\n\n".join(texts[f * paragraphs : (f + 1) * paragraphs])
        (folder / f"doc{f:04d}.txt").write_text(f"Document {f}\n\n{body}\n", encoding="utf-8")
    return folder


def edit(path: Path) -> None:
    """Add one sentence to a file: in an HTML file a paragraph after its first `</h1>` (the main content's
    heading: a paragraph at the end of <body> falls outside the main content, as a Sphinx page's footer does,
    and changes no passage), else before `</body>`; elsewhere a new paragraph at the end."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".html", ".htm") and ("</h1>" in text or "</body>" in text):
        mark = "</h1>" if "</h1>" in text else "</body>"
        text = text.replace(mark, f"{mark}<p>{SENTENCE}</p>" if mark == "</h1>" else f"<p>{SENTENCE}</p>{mark}", 1)
    else:
        text += f"\n\n{SENTENCE}\n"
    path.write_text(text, encoding="utf-8")


def snapshot(build: Path) -> dict[str, bytes]:
    """What two equal builds share: every file under the build folder, byte for byte, and the manifest but
    for `built_at` (when it ran; the version is a hash of everything else) and `checksum` (which covers
    `built_at` too)."""
    files = {
        path.relative_to(build).as_posix(): path.read_bytes() for path in sorted(build.rglob("*")) if path.is_file()
    }
    manifest = json.loads(files.pop("manifest.json"))
    del manifest["built_at"], manifest["checksum"]
    files["manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that were waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_build(
    corpus: Path, index: Path, semantic: bool | None, cache: bool = True, profile: Path | None = None
) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds, build report) of one build (under cProfile when `profile` is given)."""
    from qa.storage.index import build_index
    from qa.util import progress
    from qa.util.workers import Workers

    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), cpu_seconds()
    with Workers() as workers:
        if profiler:
            profiler.enable()
        report = build_index(corpus, index, progress=progress.LogLines(sys.stderr), semantic=semantic,
                             workers=workers, cache=cache)  # fmt: skip
        if profiler:
            profiler.disable()
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if profiler:
        profiler.dump_stats(profile)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    return wall, cpu, report


def run(
    corpus: Path, workdir: Path, semantic: bool | None, verify: bool, profile: Path | None = None
) -> dict[str, Any]:
    from qa.ingest.reader import discover

    work = workdir / "corpus"
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(corpus, work)
    files = discover(work)
    full_s, full_cpu, full = timed_build(work, workdir / "index", semantic)
    changed = files[len(files) // 2]
    edit(changed)
    rebuild_s, rebuild_cpu, rebuilt = timed_build(work, workdir / "index", semantic, profile=profile)
    from qa.storage.store import PassageStore

    indexed = any(SENTENCE in text for text in PassageStore(rebuilt.path / "store").texts())
    result = {"files": len(files), "passages": rebuilt.info.passages, "changed": changed.name,
              "passages_before": full.info.passages, "sentence_indexed": indexed,
              "semantic": bool(json.loads((rebuilt.path / "manifest.json").read_text())["semantic"]),
              "full_s": full_s, "rebuild_s": rebuild_s, "ratio": rebuild_s / full_s,
              "full_cpu_s": full_cpu, "rebuild_cpu_s": rebuild_cpu, "load": os.getloadavg()[0],
              "cores": len(os.sched_getaffinity(0))}  # fmt: skip
    if verify:
        fresh_s, _, fresh = timed_build(work, workdir / "fresh", semantic, cache=False)
        result |= {"fresh_s": fresh_s, "identical": snapshot(fresh.path) == snapshot(rebuilt.path)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="a corpus folder (copied; the original is not touched)")
    source.add_argument("--synthetic", type=int, metavar="FILES", help="a synthetic corpus of this many files")
    parser.add_argument("--semantic", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--verify", action="store_true", help="also build the edited corpus from nothing")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "qa-bench-incremental")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the rebuild here")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    semantic = {"auto": None, "on": True, "off": False}[args.semantic]
    corpus = args.corpus or synthetic_corpus(args.workdir.with_name(args.workdir.name + "-src"), args.synthetic)
    result = run(corpus, args.workdir, semantic, args.verify, args.profile)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
