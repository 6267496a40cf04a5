"""Evaluation data and recipes: corpora made from published documentation, their question sets, reports."""
