"""qa: document-grounded question answering with BM25 and TF-IDF, citations and honest abstention."""

__version__ = "0.1.0"
