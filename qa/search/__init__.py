"""Lexical ranking: the one analyzer for every ranker and for query and index time (`analyzer`; a build's word lists
kept for the next build: `wordlists`), postings and
vocabulary arrays (`postings`, `vocabulary`), BM25 and TF-IDF (`bm25`, `tfidf`), spelling suggestions (`spelling`),
English word statistics (`wordstats`: how rare a word is, typos of common words), fusion with a deterministic tie-
break (`fusion`) and the engine that saves and ranks them (`engine`). It imports `qa.util` and the shared modules;
it knows nothing of files (ingest) or vectors.
"""
