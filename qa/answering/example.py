"""The search box's example question, made from the corpus's own document titles so that it reads like a
question a person would type about these documents (issue 11): never a title pasted whole into "what is …?"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from qa.models import Document

_NUMBERING = re.compile(r"^(?:(?:chapter|part|section|appendix)\s+)?(?:[\dIVXA-H]+\.)+\d*\s+", re.IGNORECASE)
_SUBTITLE = re.compile(r"\s+(?:—|–|-|:)\s+|:\s+")
_MANUAL = re.compile(r"^(\S+)\(\d\w*\)$")  # a manual page's title: git-add(1), gitfaq(7)
_SHORT_CLOSED = re.compile(r"^[^aeiou]*[aeiou][^aeiouwxy]$")  # one syllable ending vowel + consonant: hid, us
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")  # a plain word (no digits: "Version 3.4.2" is no subject)
LINKS = frozenset(("a", "an", "the", "of", "in", "on", "for", "with", "and", "or", "to", "from", "by", "at", "about"))
MAX_SUBJECT_WORDS = 5  # "Lip and Oral Cavity Cancer"; longer titles read as headlines, not subjects
MAX_HOWTO_WORDS = 8  # "Reviewing Patches in the Git Project"
KNOWN_VERB = 3.5  # Zipf: a gerund's base this common is the verb (modify 3.8, submit 4.3; morn 3.1, str 3.3)
RIVAL = 3.0  # Zipf: a second reading this common makes the base ambiguous (us/use, hid/hide, breath/breathe)


def example_question(documents: Sequence[Document]) -> str:
    """The example question of a corpus: its first document title that asks a question (casing made a
    typist's: "what if OpenDocument used SQLite?"), else the first title, in the documents' order, that
    names a subject:

    - a name before a subtitle or a manual page's name: "2to3 — Automated …" and "git-add(1)" give
      "what is 2to3?" and "what is git-add?";
    - a gerund phrase, as a how-to: "5.6. Modifying Tables" gives "how do I modify tables?";
    - a short noun phrase: "Calf Pain" gives "what is calf pain?", "Childhood Vascular Tumors" gives
      "what are childhood vascular tumors?".

    Titles that are none of these ("My First Contribution to the Git Project", "SQLite Changes From Version
    3.4.2 To 3.5.0", "About SQLite") are passed over; "" when no title serves (no placeholder then)."""
    titles = [" ".join(d.title.split()) for d in documents if d.title.strip()]
    for title in titles:
        if title.endswith("?") and len(title) > 1:
            return " ".join(map(_typed, title.split()))
    for title in titles:
        question = _question_of(title)
        if question:
            return question
    return ""


def _question_of(title: str) -> str | None:
    """The question one title gives (see example_question), or None."""
    title = _NUMBERING.sub("", title).strip()
    manual = _MANUAL.match(title)
    if manual:
        return f"what is {manual.group(1)}?"
    parts = _SUBTITLE.split(title, maxsplit=1)
    head = parts[0].strip()
    if len(parts) == 2 and " " not in head and head and not head[0].isupper():
        return f"what is {head}?"  # a code name before its subtitle: 2to3, email.mime, atexit
    words = head.split()
    if not words or not all(_WORD.fullmatch(w) for w in words):
        return None
    base = _verb_of(words[0])
    if base is None and len(_readings(words[0])) > 1:
        return None  # Breathing …: breath or breathe?
    if base is not None:
        if len(words) < 2 or len(words) > MAX_HOWTO_WORDS:
            return None
        rest = [_verb_of(w) or _typed(w) if words[i] == "and" else _typed(w) for i, w in enumerate(words[1:])]
        return "how do I " + " ".join([base, *rest]) + "?"  # Measuring and Reducing …: measure and reduce
    stop = _stop_words()
    if len(words) > MAX_SUBJECT_WORDS or words[0].lower() in stop or words[-1].lower() in stop:
        return None
    if any(w.lower() in stop and w.lower() not in LINKS for w in words):
        return None  # a sentence, not a subject: SQLite Is Serverless
    verb = "are" if _plural(_head_noun(words)) else "is"
    return f"what {verb} " + " ".join(map(_typed, words)) + "?"


def _head_noun(words: list[str]) -> str:
    """The word a subject's verb agrees with: the last before a preposition (Holes in the Heart, Tetralogy
    of Fallot), else the last ("and" joins: Result and Error Codes)."""
    stop = _stop_words()
    for i, word in enumerate(words[1:], 1):
        if word.lower() in stop and word.lower() != "and":
            return words[i - 1]
    return words[-1]


def _typed(word: str) -> str:
    """A title-cased word as a person types it (lowercase, part by part: Write-Ahead → write-ahead); names
    keep their capitals (SQLite, MIME, OpenDocument, I)."""
    return "-".join(_typed_part(p) for p in word.split("-"))


def _typed_part(word: str) -> str:
    if word == "I" or len(word) < 2 or not word[0].isupper():
        return word
    rest = word[1:]
    return word.lower() if rest == rest.lower() else word


def _verb_of(word: str) -> str | None:
    """The verb a word is the gerund of (Modifying → modify, Submitting → submit, Creating → create), or
    None: no -ing word, or no reading common enough (Morning: morn; String: str), or two (Breathing: breath,
    breathe)."""
    readings = _readings(word)
    if len(readings) != 1 or readings[0][0] < KNOWN_VERB:
        return None
    return readings[0][1]


def _readings(word: str) -> list[tuple[float, str]]:
    """The words an -ing word may be the gerund of, each with its Zipf frequency (>= RIVAL)."""
    from wordfreq import zipf_frequency

    lower = word.lower()
    stem = lower[:-3]
    if not lower.endswith("ing") or not lower.isalpha() or not re.search("[aeiouy]", stem):
        return []  # thing, bring, string: no verb before the -ing
    options = {stem + "e"}
    if not _SHORT_CLOSED.match(stem):
        options.add(stem)  # hid + ing would be hidding: hiding is hide's, using is use's (not us')
    if len(stem) > 2 and stem[-1] == stem[-2]:
        options.add(stem[:-1])  # submitting: submit
    return sorted((z, r) for z, r in ((zipf_frequency(r, "en"), r) for r in options) if z >= RIVAL)


def _plural(word: str) -> bool:
    """Whether a subject's head noun is a plural (Tumors, Indexes, Policies; not Diabetes, Analysis, Pain)."""
    from wordfreq import zipf_frequency

    lower = word.lower()
    if len(lower) < 4 or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return False
    singulars = [lower[:-1]] + ([lower[:-2]] if lower.endswith("es") else [])
    if lower.endswith("ies"):
        singulars.append(lower[:-3] + "y")  # Policies
    return any(zipf_frequency(s, "en") >= RIVAL for s in singulars)


@cache
def _stop_words() -> frozenset[str]:
    """The analyzer's stop words: a subject neither starts nor ends with one (My First …, About SQLite)."""
    from qa.search.analyzer import Analyzer

    return Analyzer().stop_words
