"""What kind of answer a question asks for, and whether a sentence holds that kind of thing.

"How long do calf cramps last?" asks for a duration: "The cramps can last between a few seconds and 10
minutes" holds one, "Around 30-37% of all people experience calf cramps" does not, although it shares
more of the question's words. The question's first words (how long, when, where, how many, who, why;
"what is the maximum…" and "the largest … can" ask for a number, "what is X called" for a term, "how does
X decide…" for the means, a yes/no question for a sentence that says yes or no) name the kind; plain
patterns find it in a sentence (numbers with time units, years and months, names after "in"/"at",
capitalised names, "because", "referred to as", "by following…", "not"). Nothing here is learned: every
pattern can be read.
"""

from __future__ import annotations

import re

from qa.util.lru import MiB, byte_lru_cache

DURATION, DATE, PLACE, NUMBER, PERSON, REASON = "duration", "date", "place", "number", "person", "reason"
MEANS, POLARITY, TERM = "means", "polarity", "term"
# kinds whose patterns (capitalised words, "not", "using") match much text that is no answer
LOOSE = frozenset([PLACE, PERSON, MEANS, POLARITY])

_UNITS = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centuries|century|lifetime)"
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|several|a few|few)"
)
_NUM = rf"(?:\d[\d,.]*|{_NUMBER_WORDS})"
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"

_SENTENCE_KINDS: dict[str, re.Pattern[str]] = {
    DURATION: re.compile(
        rf"\b{_NUM}(?:\s*(?:-|–|to|and)\s*{_NUM})?\s+{_UNITS}\b"
        rf"|\b(?:for|within|up to|over|last(?:s|ed)?|take[sn]?)\s+(?:a|an|about|around|several|many|a few|up to)?\s*"
        rf"{_UNITS}\b|\b(?:lifelong|permanent|temporary|briefly)\b",
        re.IGNORECASE,
    ),
    DATE: re.compile(
        rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b{_MONTHS}\b|\b\d+(?:st|nd|rd|th) century\b|\b(?:BC|AD|BCE|CE)\b"
        r"|\b(?:century|centuries|decade|era|dynasty|period|reign)\b",
    ),
    PLACE: re.compile(r"\b(?:in|at|from|near|to|across|throughout|of)\s+(?:the\s+)?[A-Z][a-z]+"),
    NUMBER: re.compile(rf"\d|%|\b{_NUMBER_WORDS}\b|\bpercent\b", re.IGNORECASE),
    PERSON: re.compile(r"(?<=\w\s)[A-Z][a-z]+(?:\s+(?:[A-Z]\.\s*)*[A-Z][a-z]+)+|\b(?:Dr|Mr|Mrs|Ms|Sir|King|Queen)\b"),
    REASON: re.compile(
        r"\b(?:because|due to|caused by|cause[sd]?|result(?:s|ed)? (?:in|from)|leads? to|since|so that|"
        r"in order to|owing to|as a result|reason)\b",
        re.IGNORECASE,
    ),
    TERM: re.compile(r"\b(?:called|known as|referred to as|named|termed|nicknamed)\b", re.IGNORECASE),
    MEANS: re.compile(r"\bby (?:means of |\w+ing\b)|\b(?:through|via|using)\b", re.IGNORECASE),
    POLARITY: re.compile(r"\b(?:not|no|never|cannot|yes|only|always)\b|n['’]t\b", re.IGNORECASE),
}

# (pattern over the lowercased question, kinds of answer it asks for), first match wins
_QUESTION_KINDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p), kinds)
    for p, kinds in (
        (r"\bhow long\b", (DURATION,)),
        (r"^\W*what (?:is|are|was|were)\b.*\b(?:called|known as|named)\W*$|\b(?:another|other) names? for\b", (TERM,)),
        (
            r"\bhow (?:many|much|often|far|old|big|large|tall|high|fast|deep)\b|\bwhat (?:percentage|proportion|number|"
            r"amount|share)\b|\bhow (?:common|frequent|rare)\b"
            r"|\bwhat(?:'s| is| are) the (?:maximum|minimum|max|min)\b"
            r"|\b(?:maximum|minimum) (?:size|length|number|value)\b"
            r"|\bwhat(?:'s| is| are) the (?:largest|biggest|smallest|longest|highest|lowest)\b.*\b(?:can|could)\b",
            (NUMBER,),
        ),
        (r"\bwhen\b|\b(?:what|which|in what) (?:year|date|century|decade|day|month|time|period|age)\b", (DATE,)),
        (
            r"\bwhere\b|\b(?:what|which|in what|in which) (?:country|city|place|region|state|area|part|town|county)\b",
            (PLACE,),
        ),
        (r"^(?:\W*)(?:who|whom|whose)\b|\b(?:who|whom|whose)\b", (PERSON,)),
        (r"\bwhy\b|\bwhat (?:causes|caused|makes|made)\b|\bwhat is the (?:cause|reason)\b", (REASON,)),
        (r"^\W*how (?:does|do|did|is|are|was|were) (?!i\b|you\b|we\b|one\b)", (MEANS,)),
        (r"^\W*(?:does|do|did|is|are|was|were|can|could|will|would|should|has|have|must)\b", (POLARITY,)),
    )
)


@byte_lru_cache(2 * MiB)  # questions clients send: bounded in bytes
def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds of answer the question asks for (empty when its words do not say)."""
    q = " ".join(question.lower().split())
    for pattern, kinds in _QUESTION_KINDS:
        if pattern.search(q):
            return kinds
    return ()


def holds(sentence: str, kinds: tuple[str, ...]) -> bool:
    """Whether the sentence holds something of one of these kinds (a duration, a date, a name...)."""
    return any(_SENTENCE_KINDS[k].search(sentence) for k in kinds)


# "what is X?", "what are (the) X?", MedQuAD's "What is (are) X ?", "what does X mean (in…)?", "define X",
# "what is meant by X?": a definition of X is asked for when nothing else is (no kind above) and X is a short
# noun phrase (DEFINED_WORDS words at most: "what is the fastest way to empty a big table" asks for a way)
_DEFINITION = tuple(
    re.compile(p)
    for p in (
        r"^\W*what\s+does\s+(?P<x>.+?)\s+(?:mean|stand\s+for)\b",
        r"^\W*(?:define|what\s+is\s+meant\s+by)\s+(?P<x>.+?)[\s?.!]*$",
        r"^\W*what(?:'s|\s+is|\s+are|\s+was|\s+were)(?:\s+\(are\))?\s+(?P<x>.+?)[\s?.!]*$",
    )
)
ARTICLE = re.compile(r"(?:an?|the)\s+", re.IGNORECASE)  # a leading article, read with .match
_APPLIED = re.compile(r"^([\w.]+)\s*[\[(].*[\])]$")  # Optional[int], len(s): a name applied, defined by the name
DEFINED_WORDS = 4


@byte_lru_cache(1 * MiB)
def defined(question: str) -> str | None:
    """What a definition question asks to define ("what is a partial index?" -> "partial index", "what does
    Optional[int] mean?" -> "optional"), lowercased;
    None when the question asks something else (a kind of `asked_kinds`, a longer phrase, another wording)."""
    if asked_kinds(question):
        return None
    q = " ".join(question.lower().split())
    for pattern in _DEFINITION:
        m = pattern.match(q)
        if m:
            x = m.group("x").strip()
            lead = ARTICLE.match(x)
            x = _APPLIED.sub(r"\1", x[lead.end() :] if lead else x)
            return x if x and len(x.split()) <= DEFINED_WORDS else None
    return None


_HOWTO = re.compile(r"\bhow (?:do|can|should|would|could) (?:i|you|we|one)\b|\bhow to\b")


def howto(question: str) -> bool:
    """Whether the question asks how to do something ("how do I undo the last commit?", "how to …"): an
    example's code answers it as well as a sentence does."""
    return bool(_HOWTO.search(" ".join(question.lower().split())))
