"""Scoring qa against question sets: reusable evaluation indexes and scores (`evaluate`), the BEIR loader (`beir`)
and the MedQuAD corpus recipe and span scoring (`medquad`). It sits above the Python API (`qa.api`) and may import
it and every stage; nothing in the library imports it (the CLI does).
"""
