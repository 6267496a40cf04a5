"""The answer sentence of a passage: the one that best answers by words, meaning and intent, never a bare
heading or signature without the description beside it (see README, "The answer sentence")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answering import intent
from qa.models import Passage, Span


@dataclass(frozen=True)
class SentenceWeights:
    """How an answer sentence is chosen; measured on SQuAD answer sentences, the seed and MedQuAD (see
    README, "The answer sentence")."""

    inherited: float = 0.5  # a question word in the sentence before counts this much ("It", "the lead")
    meaning: float = 0.5  # weight of the sentence's cosine similarity to the question
    intent: float = 0.5  # bonus when it holds the kind of thing asked for (a duration for "how long")...
    loose_intent: float = 0.1  # ... or a name where "who" or "where" asks (names are everywhere in some texts)
    bare: float = 0.5  # a heading, lead-in or signature counts this much: it titles the sentences after it
    lead: float = 0.25  # bonus of the first sentence under a heading that names code: the description of it


_SIGNATURE = re.compile(r"^[\w.]+\s*\(.*\)\s*(?:->\s*\S.*)?[¶:]?$|¶$")
_TERMINAL = tuple('.!?;:"”)')


def bare(text: str, section: str) -> bool:
    """A heading, a lead-in ("Symptoms include:"), a question (an FAQ's "(13) Can I use SQLite in my
    commercial product?"), an API signature or a lone word (a table cell: "string") standing alone: a
    title to the sentences after it, not an answer by itself."""
    t = " ".join(text.split()).rstrip("¶ ")
    if not t or _SIGNATURE.search(text.strip()) or t.endswith((":", "?")):
        return True
    if t.lower() == " ".join(section.split()).rstrip("¶ ").lower():
        return True
    words = t.split()
    if len(words) == 1:
        return True
    capitals = sum(w[0].isupper() for w in words if w[0].isalpha())
    return not t.endswith(_TERMINAL) and len(words) <= 8 and capitals >= 0.6 * len(words)


STATEMENT_WORDS = 3  # a sentence says something with a subject, a verb and what it says of it


_NUMBERED = re.compile(r"^(?:[\dA-Z]+\.)+\d*\s+")  # "5.", "5.9.3.", "A.2." before a heading's words


def names_code(heading: str) -> bool:
    """Whether a section heading names a piece of code: an API signature (`textwrap.dedent(text)`), a
    statement or command in capitals (`ALTER TABLE DROP COLUMN`, a manual page's `DESCRIPTION`), an option
    (`--squash, --no-squash`); its section's first sentence describes that thing."""
    h = _NUMBERED.sub("", " ".join(heading.split()).rstrip("¶ "))
    if not any(c.isalpha() for c in h):
        return False
    return bool(_SIGNATURE.search(h)) or code(h) or h.upper() == h


def says_something(passage: Passage) -> bool:
    """Whether a passage has a sentence that states something: not bare (`bare`) and of
    STATEMENT_WORDS words or more. A page title alone, a heading whose text went to the next passage, a
    run of table cells ("string str number (int) int") or of keywords says nothing a reader can use."""
    return passage.kind == "reference" or any(
        len(s.text.split()) >= STATEMENT_WORDS and not bare(s.text, passage.section) for s in passage.sentences
    )


def best_sentence(
    passage: Passage,
    spans: list[tuple[int, int, str]],
    weights: dict[str, float],
    kinds: tuple[str, ...] = (),
    cosines: Sequence[float] | None = None,
    how: SentenceWeights = SentenceWeights(),  # noqa: B008 (frozen)
    opens: bool = False,
) -> Span:
    """The sentence that best answers: the share of the question's weight it holds (a word of the
    sentence before counting `inherited` as much), plus `meaning` x its cosine to the question when
    given, plus `intent` when it holds what the question asks for (qa.answering.intent), plus `lead` for
    the first sentence of a passage that `opens` its section under a heading that `names_code` (the
    description of that function or command, which the sentences after it qualify); a bare heading or
    signature counts `bare` as much and, when it still wins, comes with the sentence after it. The
    first one on a tie."""
    sentences = passage.sentences
    if not sentences:
        return Span(0, len(passage.text))
    total = sum(weights.values()) or 1.0
    held = [{stem for a, b, stem in spans if a >= s.start and b <= s.end} for s in sentences]
    best, best_score = 0, -1.0
    for i, s in enumerate(sentences):
        before = held[i - 1] - held[i] if i else set()
        score = (sum(weights[x] for x in held[i]) + how.inherited * sum(weights[x] for x in before)) / total
        if cosines is not None:
            score += how.meaning * float(cosines[i])
        if kinds and intent.holds(s.text, kinds):
            score += how.loose_intent if set(kinds) <= intent.LOOSE else how.intent
        if bare(s.text, passage.section):
            score *= how.bare  # a table header "Python" or a signature is not the answer its neighbour is
        elif i == 0 and opens and names_code(passage.section):
            score += how.lead  # the description of the function or command its heading names
        if score > best_score:
            best, best_score = i, score
    start, end = sentences[best].start, sentences[best].end
    if best + 1 < len(sentences) and bare(sentences[best].text, passage.section):
        end = sentences[best + 1].end  # the heading or signature with its description
    elif best + 1 < len(sentences) and code(sentences[best + 1].text) and not code(sentences[best].text):
        end = sentences[best + 1].end  # an example's description with its code ("Compute the last day…")
    return Span(start, end)


_PROMPT = ("$ ", ">>> ", "% ", "sqlite> ", "=> ", "postgres=# ")
_CODE_MARKS = re.compile(r"\w\((?!\d\))|[{}\[\]=<>|`]|::|(?:^|\s)--?\w")  # a call, brackets, "=", an option flag


_DOTTED = re.compile(  # `sys.argv`, `class json.JSONDecoder`; after a dot, a space only before a capital
    r"^(?:(?:class|exception|method|attribute|data|function)\s+)?[A-Za-z_]\w*(?:\.(?:\s(?=[A-Z]))?[A-Za-z_]\w*)+$"
)


def entry(heading: str) -> bool:
    """A heading naming an API or option entry: a signature, code or a dotted name (`json.loads(s, *, …)`, `-m,
    --move`, `sys.argv`, `typing. Optional` as Sphinx's markup reads)."""
    h = heading.strip()
    return code(h) or bool(_SIGNATURE.search(h) or _DOTTED.match(h))


def code(text: str) -> bool:
    """A line of code, as examples show it: a shell or REPL prompt, a statement ending in ";", or code
    marks (a call, brackets, "=", an option flag) in a line that does not end as prose does."""
    t = text.strip()
    if t.startswith(_PROMPT) or t.endswith(";"):
        return True
    return bool(_CODE_MARKS.search(t)) and not t.endswith((".", "!", "?", ":", '"', "”"))
