"""Approximate nearest neighbours over passage vectors: an HNSW graph (usearch) built at `qa build`
time, saved as one file beside the vectors and memory-mapped when serving (every worker shares its
pages). Below `qa.vectors.semantic.ANN_MIN` passages an exact search is fast enough and no graph is built.

usearch was chosen over faiss-cpu and hnswlib (see README, "Dense retrieval"): a 2 MB wheel with no
OpenMP runtime, a file it can serve from a memory map (`view=True`), single-threaded builds that give
the same bytes every time; hnswlib ships no wheel (it compiles) and has not been released since 2023.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FILE = "ann.usearch"
CONNECTIVITY = 16  # graph edges per node (HNSW M)
EXPANSION_ADD = 128  # candidates kept while inserting (efConstruction)
EXPANSION_SEARCH = 128  # candidates kept while searching (ef): recall vs exact measured in bench/dense.py
_STEP = 4096  # vectors added per call (progress granularity)


def build(
    vectors: np.ndarray,
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Write the graph of `vectors` (unit rows, inner product) to folder/FILE; its manifest entry.

    With `cache` (a folder of qa.util.buildcache.GraphCache), a graph built before from the same vectors, byte for
    byte, with the same settings and usearch, is copied instead of built again (the build is deterministic:
    the copy is the file it would make). The Python reference's 29,755 vectors take minutes to link."""
    from importlib.metadata import version

    folder.mkdir(parents=True, exist_ok=True)
    n = len(vectors)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    params = ("usearch", version("usearch"), CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH, vectors.shape)
    store = None
    if cache is not None:
        from qa.util.buildcache import GraphCache

        store = GraphCache(cache, params, vectors)
    if progress:
        progress(0, n)
    if store is None or not store.copy_to(folder / FILE):
        _link(vectors, folder, progress)
        if store is not None:
            store.put(folder / FILE)
    if progress:
        progress(n, n)
    return {
        "library": "usearch",
        "version": version("usearch"),
        "file": FILE,
        "metric": "ip",
        "connectivity": CONNECTIVITY,
        "expansion_add": EXPANSION_ADD,
        "expansion_search": EXPANSION_SEARCH,
        "size": n,
    }


def _link(vectors: np.ndarray, folder: Path, progress: Callable[[int, int], None] | None) -> None:
    from usearch.index import Index

    index = Index(
        ndim=vectors.shape[1],
        metric="ip",
        dtype="f32",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )
    n = len(vectors)
    for start in range(0, n, _STEP):
        stop = min(start + _STEP, n)
        # one thread: the same vectors give the same file, byte for byte (threads race for neighbours)
        index.add(np.arange(start, stop, dtype=np.uint64), np.ascontiguousarray(vectors[start:stop]), threads=1)
        if progress and stop < n:
            progress(stop, n)
    index.save(str(folder / FILE))


def open_graph(folder: Path, meta: dict[str, Any]) -> Any:
    """The saved graph, memory-mapped (ValueError when the file is not a graph of this kind)."""
    from usearch.index import Index

    if meta.get("library") != "usearch" or meta.get("metric") != "ip":
        raise ValueError(f"unknown nearest-neighbour index {meta.get('library')!r}")
    graph = Index.restore(str(folder / meta.get("file", FILE)), view=True)
    if graph is None or len(graph) != meta.get("size"):
        raise ValueError(f"nearest-neighbour index {folder / FILE} does not hold {meta.get('size')} vectors")
    graph.expansion_search = int(meta.get("expansion_search", EXPANSION_SEARCH))
    return graph


def search(graph: Any, vector: np.ndarray, k: int) -> list[int]:
    """Row ids of the k nearest vectors found in the graph, nearest first (ties by row id)."""
    found = graph.search(np.asarray(vector, dtype=np.float32), min(k, len(graph)), threads=1)
    keys, distances = np.asarray(found.keys, dtype=np.int64), np.asarray(found.distances)
    return keys[np.lexsort((keys, distances))].tolist()
