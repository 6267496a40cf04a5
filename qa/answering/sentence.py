"""The answer sentence of a passage: the one that best answers by words, meaning and intent, never a bare
heading or signature without the description beside it (see README, "The answer sentence")."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
    lead: float = 0.25  # bonus of the first sentence under a heading that names code (its description) or asks
    # a question (an FAQ entry's: its direct answer)


# a pronoun standing for the sentence before; not "This module/section/page…", which points at the text itself
_ANAPHOR = re.compile(
    r"(?:this|these|that|those|it|they|such|its|their)\b"
    r"(?!\s+(?:module|section|page|chapter|document|summary|manual|article|tutorial|guide)s?\b)",
    re.IGNORECASE,
)
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


def asks(heading: str) -> bool:
    """Whether a section heading is a question (an FAQ entry: "How do I ignore changes to a tracked file?",
    "(14) How do I use a string literal that contains an embedded single-quote (') character?"); its section's first
    sentence answers it ("Git doesn't provide a way to do this."), the sentences after it say why or how."""
    return " ".join(heading.split()).rstrip("¶ ").endswith("?")


def says_something(passage: Passage) -> bool:
    """Whether a passage has a sentence that states something: not bare (`bare`) and of
    STATEMENT_WORDS words or more. A page title alone, a heading whose text went to the next passage, a
    run of table cells ("string str number (int) int") or of keywords says nothing a reader can use."""
    return passage.kind == "reference" or any(
        len(s.text.split()) >= STATEMENT_WORDS and not bare(s.text, passage.section) for s in passage.sentences
    )


def prose(passage: Passage) -> bool:
    """Whether a passage has a sentence in words, not code (`code`), of STATEMENT_WORDS words or more; a reference
    entry is a citation, prose to a reader. A synopsis (`git filter-branch [--setup <command>] …`) or an example
    alone has none: what its vector shares with a question is tokens ("command", "branch"), not a meaning."""
    return passage.kind == "reference" or any(
        len(part.split()) >= STATEMENT_WORDS and not code(part) for s in passage.sentences for part in _said(s.text)
    )


_COMMENT = re.compile(r"^\s*(?:#|//|--)\s+(.*)$", re.MULTILINE)  # a comment line: "# Example A: Set index.html as…"


def _said(text: str) -> list[str]:
    """What a sentence says in words, piece by piece: itself, the cells of a table row (joined by " | " at ingest:
    "Description: | Amount of time the server will wait for…"), and the comment lines of an example ("# Example A:
    Set index.html as an index page, then add index.php…"), which the writer wrote as prose about the code."""
    return [text, *(text.split(" | ") if " | " in text else ()), *_COMMENT.findall(text)]


def best_sentence(
    passage: Passage,
    spans: list[tuple[int, int, str]],
    weights: dict[str, float],
    kinds: tuple[str, ...] = (),
    cosines: Sequence[float] | None = None,
    how: SentenceWeights = SentenceWeights(),  # noqa: B008 (frozen)
    opens: bool = False,
    defining: Callable[[str], bool] | None = None,
) -> Span:
    """The sentence that best answers: the share of the question's weight it holds (a word of the
    sentence before counting `inherited` as much), plus `meaning` x its cosine to the question when
    given, plus `intent` when it holds what the question asks for (qa.answering.intent) or, in a definition
    question, when it is `defining` (`defines` the question's term), plus `lead` for
    the first sentence of a passage that `opens` its section under a heading that `names_code` (the
    description of that function or command, which the sentences after it qualify) or `asks` a question (an FAQ
    entry's direct answer); a bare heading or signature counts `bare` as much and, when it still wins, comes with
    the sentence after it; a sentence that opens with a pronoun standing for the sentence before ("This can be used
    to…", "These are often referred to as…") comes with that sentence (unless it is bare), and an example (`code`)
    with the `lead_in` before it ("Whether the path points to an existing file or directory:"). The first one on a
    tie."""
    sentences = passage.sentences
    if not sentences:
        return Span(0, len(passage.text))
    total = sum(weights.values()) or 1.0
    held = [{stem for a, b, stem in spans if a >= s.start and b <= s.end} for s in sentences]
    best, best_score = 0, -1.0
    for i, s in enumerate(sentences):
        before = held[i - 1] - held[i] if i else set()
        carried = 1.0 if _ANAPHOR.match(s.text.lstrip()) else how.inherited  # "These are…": the words before
        score = (sum(weights[x] for x in held[i]) + carried * sum(weights[x] for x in before)) / total
        if cosines is not None:
            score += how.meaning * float(cosines[i])
        if kinds and intent.holds(s.text, kinds):
            score += how.loose_intent if set(kinds) <= intent.LOOSE else how.intent
        elif defining is not None and defining(s.text):
            score += how.intent  # "what is X?": the sentence that says what X is
        if bare(s.text, passage.section):
            score *= how.bare  # a table header "Python" or a signature is not the answer its neighbour is
        elif i == 0 and opens and (names_code(passage.section) or asks(passage.section)):
            score += how.lead  # the description of the code its heading names, the answer to the question it asks
        if score > best_score:
            best, best_score = i, score
    start, end = sentences[best].start, sentences[best].end
    if best and _ANAPHOR.match(sentences[best].text.lstrip()) and not bare(sentences[best - 1].text, passage.section):
        start = sentences[best - 1].start  # "This can be used to…" says what of the sentence before it
    elif best and code(sentences[best].text) and lead_in(sentences[best - 1].text):
        start = sentences[best - 1].start  # an example with what it shows ("Whether the path points to…:")
    if best + 1 < len(sentences) and bare(sentences[best].text, passage.section):
        end = sentences[best + 1].end  # the heading or signature with its description
    elif best + 1 < len(sentences) and code(sentences[best + 1].text) and not code(sentences[best].text):
        end = sentences[best + 1].end  # an example's description with its code ("Compute the last day…")
    return Span(start, end)


# a sentence that defines its subject: the subject (a few words; a parenthesis or an apposition after it free:
# "An electrocardiogram (…), also called an EKG, is…"), then "is" or "are" (not a passive "are classified"),
# "refers to", "means", "denotes", "describes", "stands for" or "consists of"
_DEFINING = re.compile(
    r"^\W*(?P<subject>[^,;:()]{1,80}?)\s*(?:\([^)]*\)\s*)?(?:,[^,;:]{1,60},\s*)?"
    r"\b(?:(?:is|are|was|were)\b(?!\s+\w+ed\b)|refers?\s+to\b|means?\b|denotes\b|describes\b|stands\s+for\b|"
    r"consists\s+of\b)",
    re.IGNORECASE,
)
SUBJECT_WORDS = 6  # at most this many words before the defining verb: a subject, not a clause


def defines(
    text: str, term: frozenset[str], required: frozenset[str], spans: Callable[[str], Sequence[tuple[str, int, int]]]
) -> bool:
    """Whether the sentence defines a term (its stems; `required`, those its subject must hold: all of them, or
    a gerund's alone, "partitioning" of partitioning a table): it opens with an article or a content word
    (`spans`: (stem, start, end) of a text's content words), and a subject of the term's words only, the
    required ones among them, then a defining verb ("A check constraint consists of…", "Partitioning refers
    to…"; not "An index is…" for a partial index, "Other treatment is…" for the treatments for kuru, "If
    apraxia is…" nor "It is…")."""
    m = _DEFINING.match(text)
    if not m or len(m.group("subject").split()) > SUBJECT_WORDS:
        return False
    subject = m.group("subject")
    found = [(s, a) for s, a, _ in spans(subject) if len(s) > 1]
    lead = intent.ARTICLE.match(subject)
    if not found or found[0][1] != (lead.end() if lead else 0):
        return False  # "If…", "Other…", "It…": not a subject the term names
    words = {s for s, _ in found}
    return required <= words <= term


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


def lead_in(text: str) -> bool:
    """A sentence in words that ends in ":", announcing what follows ("Whether the path points to an existing file
    or directory:", "For example:"): the description of the example after it."""
    t = text.strip()
    return t.endswith(":") and not code(t[:-1])


def code(text: str) -> bool:
    """A line of code, as examples show it: a shell or REPL prompt, a statement ending in ";", or code
    marks (a call, brackets, "=", an option flag) in a line that does not end as prose does."""
    t = text.strip()
    if t.startswith(_PROMPT) or t.endswith(";"):
        return True
    return bool(_CODE_MARKS.search(t)) and not t.endswith((".", "!", "?", ":", '"', "”"))
