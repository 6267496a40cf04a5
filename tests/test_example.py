"""qa.answering.example: the search box's example question, made from the corpus's titles."""

from __future__ import annotations

import pytest

from qa.answering.example import example_question
from qa.models import Document


def documents(*titles: str) -> list[Document]:
    return [Document(f"d{i}", f"corpus/d{i}.txt", t, None, "0" * 64, "txt", 1) for i, t in enumerate(titles)]


@pytest.mark.parametrize(
    "titles, example",
    [
        # the first title of each evaluation corpus that gives one (seed, MedQuAD, sqlite, postgresql, git, python)
        (["Calf Pain"], "what is calf pain?"),
        (
            ["Childhood Acute Myeloid Leukemia and Other Myeloid Malignancies", "Childhood Craniopharyngioma"],
            "what is childhood craniopharyngioma?",
        ),  # a headline of seven words is passed over
        (
            ["SQLite Changes From Version 3.4.2 To 3.5.0", "About SQLite", "What If OpenDocument Used SQLite?"],
            "what if OpenDocument used SQLite?",
        ),  # a title that asks comes first, typed as a person types (names keep their capitals)
        (["5.6. Modifying Tables", "5.1. Table Basics"], "how do I modify tables?"),
        (
            [
                "My First Contribution to the Git Project",
                "My First Object Walk",
                "Reviewing Patches in the Git Project",
            ],
            "how do I review patches in the git project?",
        ),
        (["2to3 — Automated Python 2 to 3 code translation"], "what is 2to3?"),
        # names
        (["git-add(1)"], "what is git-add?"),
        (["gitfaq: Frequently asked questions about using Git"], "what is gitfaq?"),
        (["email.mime: Creating email and MIME objects from scratch"], "what is email.mime?"),
        (["SQLite: Single File Database"], "what is SQLite?"),
        (["ALTER DEFAULT PRIVILEGES"], "what are ALTER DEFAULT PRIVILEGES?"),
        (["CREATE TABLE"], "what is CREATE TABLE?"),
        # how-tos from gerunds
        (["2.3. Creating a New Table"], "how do I create a new table?"),
        (["Submitting Patches"], "how do I submit patches?"),
        (["Measuring and Reducing CPU Usage in SQLite"], "how do I measure and reduce CPU usage in SQLite?"),
        (["Using SQLite In Multi-Threaded Applications"], "how do I use SQLite in multi-threaded applications?"),
        (["Hiding Columns"], "how do I hide columns?"),  # hid + ing would be hidding
        (["Getting Started with Git"], "how do I get started with git?"),
        (["Breathing Problems", "Submitting Patches"], "how do I submit patches?"),  # breath or breathe?
        (["Developing"], ""),  # a gerund alone asks nothing
        # noun phrases: agreement with the head noun, typed casing
        (["Chapter 11. Indexes"], "what are indexes?"),
        (["Childhood Vascular Tumors"], "what are childhood vascular tumors?"),
        (["Holes in the Heart"], "what are holes in the heart?"),
        (["Tetralogy of Fallot"], "what is tetralogy of fallot?"),
        (["Row Security Policies"], "what are row security policies?"),
        (["Diabetes"], "what is diabetes?"),
        (["Result and Error Codes"], "what are result and error codes?"),
        (["Parasites - Ascariasis"], "what are parasites?"),
        (["Write-Ahead Logging"], "what is write-ahead logging?"),
        (["In-Memory Databases"], "what are in-memory databases?"),
        (["String Services"], "what are string services?"),  # no verb "str"
        (["Things to Know"], "what are things to know?"),
        (["Morning Sickness"], "what is morning sickness?"),  # "morn" is too rare to be the verb
        # passed over
        (["SQLite Is Serverless", "Streams"], "what are streams?"),  # a sentence, not a subject
        (["The SQLite Amalgamation", "35% Faster Than The Filesystem", "8+3 Filenames"], ""),
        (["Everyday Git With 20 Commands Or So"], ""),
        (["  ", "Calf Pain"], "what is calf pain?"),
        (["?"], ""),
        ([], ""),
    ],
)
def test_the_example_question_reads_like_one_a_person_types(titles, example):
    assert example_question(documents(*titles)) == example
