"""Ranked passages to an answer: the answer sentence and highlights (`answer`), what the question asks (`intent`),
when to abstain (`abstention`), citations of the reference list (`citations`) and the search box's example
question, made from the documents' titles (`example`). It imports storage and the stages
before it, `qa.util` and the shared modules, never `qa.api` or the edges.
"""
