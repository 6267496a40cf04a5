"""Sentence vectors: the all-MiniLM-L6-v2 encoder (`encoder`), a build's passage vectors reused by text hash or
encoded by the workers (`encoding`), their nearest-neighbour graph on large indexes (`ann`) and dense retrieval and
reranking at query time (`semantic`). It imports `qa.util` and the shared modules, never ingest, search or anything
after them.
"""
