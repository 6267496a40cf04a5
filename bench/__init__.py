"""Benchmarks: speed, memory and scale against bm25s and rank-bm25."""
