"""Whether the passages found answer the question, from evidence a reader would use, and why.

A reader asked "When was the Ming dynasty in power?" over articles that never name the Ming refuses,
however many passages mention dynasties and power: the question's *subject* is absent. So:

1. The question's words are read as a reader reads them (:func:`understand`): contraction fragments
   ("didn") and very common words ("did", "does") carry no topic; a word written as a name (Ming,
   COVID-19, Buyantu) or rare in English (ibuprofen) is a subject; a plural or -ing form of a corpus word
   is that word (the stemmer); a typo of a corpus word is that word (the engine's repair, and a
   one-letter slip of its stem: "seperating" ~ separate), but a short word a letter from another rare name is
   another name ("snapd" is not slapd); a typo of a common English word ("guage" for gauge) weighs like that
   word, not like a rare name.
2. What answers is the passages found, each read with its document title and section heading
   (:func:`assess`): how much of the question's weight the best of the first few holds, whether the
   subject is in them (a subject word common in English beside a rarer one they hold is a detail that needs
   the meaning close), how close in meaning the first one is.
3. :func:`decide` turns that into a verdict with reasons: an absent subject always abstains (meaning
   similarity never overrides it); otherwise the question's words and its meaning together must be
   covered. The thresholds are in :class:`Thresholds`, calibrated by ``bench/calibrate.py`` on several
   corpora (see README, "Honest abstention").
Why one module of this size: the three steps above are one decision over the same `Term` and `Assessment` values and
the same `Thresholds`; apart, each would need the other two's types.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from qa.answering.sentence import prose
from qa.models import Passage
from qa.search.spelling import max_distance
from qa.search.wordstats import english_typo, specificity

# what is left of a contraction once the apostrophe splits it: "didn't" -> didn + t, "we'll" -> we + ll
_TAILS = frozenset(["t", "s", "ll", "ve", "re", "d", "m"])
_NEGATION = re.compile(r"([^\W\d_]+n)['’]t\b", re.IGNORECASE)


def fragments(question: str) -> frozenset[str]:
    """Pieces of contractions in the question ("didn", "t"): never content, never a key term."""
    return _TAILS | {m.group(1).lower() for m in _NEGATION.finditer(question)}


@dataclass(frozen=True)
class Thresholds:
    """Abstention thresholds, calibrated by bench/calibrate.py (see README, "Honest abstention")."""

    depth: int = 10  # candidates examined for words the documents hold
    answer_depth: int = 3  # the first results: what answers
    key_specificity: float = 5.0  # a word this rare in English (Zipf <= 3) is a subject on its own
    generic_specificity: float = 2.5  # words this frequent in English ("does", "get") say nothing of a topic
    caveat_specificity: float = 3.5  # an answer names the missing words at least this rare ("happens" is not)
    heading_share: float = 0.9  # a heading this close to the question names the section that must answer
    section_missing_share: float = 0.35  # ... and abstain when its text lacks this share of the question
    common_df: float = 0.25  # a word in more than this share of passages is common in this corpus
    topic_share: float = 0.5  # a word in more than this share of the documents is their own topic ("SQL"
    topic_documents: int = 10  # over PostgreSQL's pages), counted over at least this many documents
    cover: float = 0.65  # the best first result must hold this share of the question's weight...
    close_meaning: float = 0.5  # ... unless the first result is this close in meaning (cosine)...
    close_cover: float = 0.0  # ... and still holds this share
    close_sentence: float = 0.6  # ... or its best sentence is this close (a first result of several sentences)
    very_close_meaning: float = 0.7  # only words common in the corpus matched: this close in meaning answers
    detail_meaning: float = 0.75  # a rare subject word lacking beside a rarer one held: this close answers (`_lesser`)


@dataclass(frozen=True)
class Term:
    """One content word of the question, as the abstention rules read it."""

    word: str
    stems: frozenset[str]  # stems that count as this word in a passage (its own, repairs, variants)
    weight: float  # specificity in English (of the word it misspells, for a typo of a common word)
    df_share: float  # share of passages holding it (0 when not indexed)
    indexed: bool  # the documents hold it (its stem, a repair or a variant is indexed)
    name: bool = False  # written as a name: capitalised inside the question, in capitals, or with digits
    typo_of: str | None = None  # the common English word it misspells, when the documents lack it
    phrase: int = 0  # run of content words it stands in ("Ming dynasty", "marine toxins"), in question order
    doc_share: float = 0.0  # share of the documents saying it (0 when they are fewer than topic_documents)
    other_form: bool = False  # a rare word the documents write only in another form of it ("pooling": pool)

    @property
    def generic(self) -> bool:
        return self.weight < Thresholds.generic_specificity and not self.name


@dataclass(frozen=True)
class Decision:
    """Whether the top results answer the question, how sure, and why (for people)."""

    answered: bool
    confidence: float
    reasons: tuple[str, ...]
    focus: frozenset[str] = frozenset()  # stems the results should show first (a lost section's subject)


@dataclass(frozen=True)
class Assessment:
    """The evidence `decide` weighs, as plain numbers (bench/calibrate.py records them)."""

    terms: tuple[Term, ...]
    subject: tuple[Term, ...]
    strong: bool  # the subject is names or rare words (else: the question's most specific word)
    absent: tuple[Term, ...]  # content words the documents do not hold at all
    absent_subject: tuple[Term, ...]  # ... that name the subject or stand in its phrase ("marine toxins")
    missing: tuple[Term, ...]  # content words no candidate holds
    unanswered_subject: tuple[Term, ...]  # subject words the documents hold but no first result does
    cover: float  # best share of the question's weight held by one of the first results
    first_cover: float  # ... by the first result
    found_share: float  # share of the weight held by the candidates together
    closeness: float | None  # the first result's cosine similarity to the question (None: no vectors)
    lost_section: tuple[str, frozenset[str]] | None = None  # (reason, stems to show first)
    unspelled: tuple[str, ...] = ()  # compounds of the question (max_connections) no candidate writes
    common_only: bool = False  # only words common in these documents matched
    source_question: bool = False
    sentence_closeness: float | None = None  # its best sentence's (None: no vectors, or a single sentence)
    code_first: bool = False  # the first result is code alone (`sentence.prose`): its closeness is no meaning
    lesser: tuple[Term, ...] = ()  # unanswered subject words outweighed by a rarer one the first results hold
    detail: tuple[Term, ...] = ()  # ... rare in English, not names (those need the meaning very close)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def unanswered_strong(self) -> bool:
        """A strong subject the first results lack, but for its `lesser` words (those need the meaning close) and its
        `detail` words (those need it very close)."""
        return self.strong and any(t not in self.lesser and t not in self.detail for t in self.unanswered_subject)

    @property
    def unanswered_detail(self) -> bool:
        """The first results lack only `lesser` and `detail` words of a strong subject, a `detail` word among them."""
        return self.strong and bool(self.detail) and not self.unanswered_strong

    def features(self) -> dict[str, float]:
        """Explainable numbers for calibration (one row per question)."""
        total = sum(t.weight for t in self.terms) or 1.0
        return {
            "terms": len(self.terms),
            "absent_subject": float(bool(self.absent_subject)),
            "all_missing": float(len(self.missing) == len(self.terms)),
            "strong_subject": float(self.strong and bool(self.subject)),
            "absent_share": sum(t.weight for t in self.absent) / total,
            "absent_max": max((t.weight for t in self.absent if not t.generic), default=0.0),
            "missing_share": sum(t.weight for t in self.missing) / total,
            "unanswered_subject": float(bool(self.unanswered_subject)),
            "unanswered_strong": float(self.unanswered_strong),
            "unanswered_detail": float(self.unanswered_detail),
            "unanswered_weak": float(bool(self.unanswered_subject) and not self.unanswered_strong),
            "cover": self.cover,
            "first_cover": self.first_cover,
            "found_share": self.found_share,
            "closeness": -1.0 if self.closeness is None else self.closeness,
            "sentence_closeness": -1.0 if self.sentence_closeness is None else self.sentence_closeness,
            "lost_section": float(self.lost_section is not None),
            "unspelled": float(bool(self.unspelled)),
            "common_only": float(self.common_only),
            "other_form_subject": float(any(t.other_form for t in self.subject)),
            "code_first": float(self.code_first),
        }


# ----- reading the question -----------------------------------------------------------------------

# words written as one token of several parts: an identifier joined by _ (max_connections), a hyphenated
# word with a part rare in English (COVID-19; not client-side or two-factor, which are plain English), or
# CamelCase (SourceTree, DataFrame, PostGIS); the analyzer splits them into their parts
_JOINED = re.compile(r"\b[^\W_]+(?:[_-][^\W_]+)+\b")
_CAMEL = re.compile(r"\b[A-Za-z][a-z]+[A-Z][A-Za-z]*\b")
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SEPARATORS = re.compile(r"[_-]")
# a statement or clause the question writes in capitals, two words or more: CREATE SEQUENCE, ON DELETE CASCADE
_CAPITALS = re.compile(r"\b[A-Z]{2,}(?:\s+[A-Z]{2,})+\b")
# a name of several capitalised words one of which is CamelCase: GitHub Actions, Azure DevOps, GitLab CI
_CAMEL_WORD = r"[A-Za-z][a-z]+[A-Z][A-Za-z]*"
_CAMEL_NAME = re.compile(rf"\b(?:(?:[A-Z][A-Za-z]*\s+)+{_CAMEL_WORD}|{_CAMEL_WORD}(?:\s+[A-Z][A-Za-z]*)+)\b")


def compounds(question: str) -> dict[str, re.Pattern[str]]:
    """Words the question writes as one token of several parts (identifiers, names: see _JOINED), each
    with the pattern that finds it written so in a text: parts joined by _, - or a space (or nothing) for
    a joined word, by _ or - (or nothing) for CamelCase ("source tree" is not SourceTree), a plural or
    -ed/-ing/-ly ending free; a name of capitalised words around a CamelCase one ("GitHub Actions": not
    GitHub's page ".../git/actions") with its words side by side."""
    out: dict[str, re.Pattern[str]] = {}
    for pattern, sep, split in ((_JOINED, r"[\s_-]?", _SEPARATORS.split), (_CAMEL, r"[_-]?", _PARTS.findall)):
        for m in pattern.finditer(question):
            parts = [x.lower() for x in split(m.group()) if x]
            if len(parts) < 2 or all(x.isdigit() for x in parts):
                continue
            plain = pattern is _JOINED and "_" not in m.group()  # hyphenated only
            if plain and all(x.isdigit() or specificity(x) < Thresholds.key_specificity for x in parts):
                continue
            body = sep.join([*(re.escape(x) for x in parts[:-1]), _singular(parts[-1])])
            out.setdefault(m.group().lower(), re.compile(rf"(?<![^\W_]){body}(?:e?s|ed|ing|ly)?(?![^\W_])"))
    for m in _CAMEL_NAME.finditer(question):
        words = [[x.lower() for x in _PARTS.findall(w)] for w in m.group().split()]
        body = r"[\s_-]?".join(r"[_-]?".join(re.escape(x) for x in parts) for parts in words)
        out.setdefault(" ".join(m.group().lower().split()), re.compile(rf"(?<![^\W_]){body}(?:e?s)?(?![^\W_])"))
    if any(c.islower() for c in question):  # (a question shouted in capitals has no statement names)
        for m in _CAPITALS.finditer(question):  # a name may be written hyphenated: ISC DHCP in isc-dhcp-server
            body = r"[\s_-]+".join(re.escape(x.lower()) for x in m.group().split())
            out.setdefault(" ".join(m.group().lower().split()), re.compile(rf"(?<![^\W_]){body}(?![^\W_])"))
    return out


def _singular(part: str) -> str:
    """The pattern of a compound's last part with its plural free: the form English uses more when the part is a
    plural ("ServerNames" is ServerName's plural, "proxies" proxy's; "alias" is no plural of "alia"), so a text
    that writes the singular writes the compound (the plural, -ed, -ing and -ly endings follow it)."""
    bases = [part[:-1]] if part.endswith("s") and not part.endswith("ss") else []
    bases += [part[:-2]] if part.endswith(("ses", "xes", "ches", "shes")) else []
    bases += [part[:-3] + "y"] if part.endswith("ies") else []
    base = min(bases, key=specificity, default=part)
    if len(base) < 2 or specificity(base) >= specificity(part):
        return re.escape(part)
    return re.escape(base[:-1]) + "(?:y|ie)" if base.endswith("y") and part.endswith("ies") else re.escape(base)


_HYPHENATED = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:-[A-Za-z]{2,})+(?![\w-])")


def hyphenated(question: str) -> dict[str, tuple[tuple[str, ...], re.Pattern[str]]]:
    """The plain hyphenated words of the question, of parts common in English ("two-factor", "client-side"),
    which `compounds` leaves to the passages' words: each with its parts and the pattern of it written so
    (`joined`, an -ed/-ing/-ly ending free too). A passage may say them in other words, but documents that
    never write one at all do not know the thing it names (two-factor authentication over Git's pages)."""
    out = {}
    for m in _HYPHENATED.finditer(question):
        parts = tuple(m.group().lower().split("-"))
        if any(specificity(x) >= Thresholds.key_specificity for x in parts):
            continue  # a rare part: a compound the passages found must write (compounds)
        body = r"[\s_-]?".join(re.escape(x) for x in parts)
        out[m.group().lower()] = (parts, re.compile(rf"(?<![^\W_]){body}(?:e?s|ed|ing|ly)?(?![^\W_])"))
    return out


UNKNOWN = 8.0  # the specificity of a word English does not use at all (Zipf 0: crosstab, columnstore)


def joined(parts: Sequence[str]) -> re.Pattern[str]:
    """The pattern that finds a word written as its `parts` side by side, joined by _, - or a space (or
    nothing), a plural free."""
    body = r"[\s_-]?".join(re.escape(x) for x in parts)
    return re.compile(rf"(?<![^\W_]){body}(?:e?s)?(?![^\W_])")


def glued(query_terms: Sequence, stem: Callable[[str], str | None]) -> dict[str, re.Pattern[str]]:  # noqa: ANN001
    """Question words (qa.search.engine.QueryTerm) that neither the documents nor English know and that the
    engine reads as two corpus words glued (its split repair: "crosstab" searches cross and tab), each with
    the pattern of it written so (`joined`): it is said only there, not by cross joins and tabs. Words
    English knows ("subfolder") may be said by their parts apart."""
    out = {}
    for t in query_terms:
        if specificity(t.word) < UNKNOWN:
            continue
        parts = split_parts(t, stem)
        if parts:
            out[t.word] = joined(parts)
    return out


def split_parts(t, stem: Callable[[str], str | None]) -> tuple[str, str] | None:  # noqa: ANN001
    """The two pieces of a question word (qa.search.engine.QueryTerm) that the engine reads as two corpus words
    glued (its split repair: "subfolder" searches sub and folder), or None when it did not split it."""
    if t.in_vocab or len(t.corrected_to) != 2:
        return None
    for i in range(1, len(t.word)):
        if (stem(t.word[:i]), stem(t.word[i:])) == t.corrected_to:
            return t.word[:i], t.word[i:]
    return None


def unsplit(query_terms: Sequence, stem: Callable[[str], str | None]) -> list:  # noqa: ANN001
    """The question's words (qa.search.engine.QueryTerm) with the split repairs a reader would not make undone: a
    word English knows that the engine reads as two corpus words glued is those words only when both are common
    English words ("subfolder": sub and folder); "docker" is not doc and ker, "virtualenv" not virtual and env
    (a part rare in English, Zipf <= 3): documents that never write the word do not mention it. Words English does
    not know at all are `glued`'s."""
    out = []
    for t in query_terms:
        parts = split_parts(t, stem) if specificity(t.word) < UNKNOWN else None
        if parts and any(specificity(x) >= Thresholds.key_specificity for x in parts):
            t = replace(t, corrected_to=())
        out.append(t)
    return out


_NAME = re.compile(r"[^\W_]+")


def names(question: str) -> frozenset[str]:
    """Lowercased words written as names: capitalised after the first word, in capitals (2+ letters),
    or letters with digits ("COVID-19" gives covid and 19). A question shouted in capitals has none."""
    raw = _NAME.findall(question)
    if len(raw) > 1 and not any(c.islower() for c in question):
        return frozenset()
    out = set()
    for i, w in enumerate(raw):
        if (w[0].isupper() and (i > 0 or (len(w) > 1 and w.isupper()))) or (w.isupper() and len(w) > 1):
            out.add(w.lower())
    for m in re.finditer(r"\b([A-Za-z]+)-?(\d+)\b", question):  # COVID-19, H1N1-like names
        if m.group(1)[0].isupper():
            out.update((m.group(1).lower(), m.group(2)))
    return frozenset(out)


def understand(
    query_terms: Sequence,  # noqa: ANN001  (qa.search.engine.QueryTerm)
    question: str,
    n_docs: int,
    source_words: frozenset[str] = frozenset(),
    stop_words: frozenset[str] = frozenset(),
    titles: frozenset[str] = frozenset(),
    surface: Callable[[str], str | None] = lambda stem: None,
    writes: Callable[[str], bool] | None = None,
    spread: Callable[[str], float] = lambda stem: 0.0,
    documents: int = 0,
) -> list[Term]:
    """The question's content words (qa.search.engine.QueryTerm in, Term out): fragments and, in a question
    about sources, the words that only say so are dropped. `writes(word)`: whether the documents write
    that surface word (a rare word whose stem the documents hold only as another word, "lateral" for
    "later", is absent); `spread(stem)`: the share of the `documents` that say the stem (as `says` reads
    it: a derivation counts, "postgres" in "PostgreSQL")."""
    named, pieces = names(question), fragments(question)
    written = frozenset(_NAME.findall(question.lower()))
    kept = {t.word for t in query_terms if t.word not in pieces and t.word not in source_words}
    phrase_of: dict[str, int] = {}
    run, inside = 0, False
    for w in _NAME.findall(question.lower()):  # a stop word (or a dropped word) ends a run
        if w in kept:
            run += 0 if inside else 1
            inside = True
            phrase_of.setdefault(w, run)
        else:
            inside = False
    out = []
    for t in query_terms:
        if t.word not in kept:
            continue
        known = t.in_vocab or fold(t.stem) in titles  # a word of a title is in the documents, indexed or not
        speller_word = t.word.isalpha() and fold(t.stem) not in titles  # (the speller knows alphabetic words)
        other_form = False
        if known and writes is not None and speller_word and (t.word in named or _rare(t.word)):
            known = any(writes(form) for form in inflections(t.word))  # not lateral for later
            other_form = known and not writes(t.word)
        meant = [w for w in map(surface, t.corrected_to) if w] if not known else []
        other = not known and _other_words(t.word, t.stem, t.corrected_to)  # "rest" searched as restrict
        # a name respelled only to common words ("Redis" -> red) is that name, not a typo
        unrepaired = not known and t.word in named and bool(meant)
        unrepaired = unrepaired and max(map(specificity, meant)) < Thresholds.key_specificity
        # a typo keeps its first letter: a respelling that changes it ("clion" -> lion) is another word, not a repair
        unrepaired = unrepaired or (len(meant) == 1 == len(t.corrected_to) and meant[0][:1].lower() != t.word[:1])
        unrepaired = unrepaired or _another_name(t.word, t.corrected_to, meant)
        indexed = known or (bool(t.corrected_to) and not unrepaired)
        # a typo weighs like the word it stands for: the corpus word it was respelled to ("pian" -> pain),
        # else the common English word it misspells ("guage" -> gauge); a name the corpus cannot respell
        # ("Jupyter") is that name, not a misspelt common word ("jupiter")
        meant = [] if unrepaired or other else meant  # (a variant is indexed, but is another word: not what it weighs)
        guessed = None if t.word in named else english_typo(t.word)
        guessed = None if guessed in written else guessed  # "snap" and "snapd": the writer knows both words
        typo = None if known else (min(meant, key=specificity) if meant else guessed)
        if typo and typo in stop_words:
            continue  # "wat" for what: no content at all
        weight = specificity(typo) if typo else specificity(t.word)
        stems = frozenset((t.stem,) if unrepaired or other else (t.stem, *t.corrected_to))
        shared = max(map(spread, stems)) if indexed and documents >= Thresholds.topic_documents else 0.0
        out.append(
            Term(
                t.word,
                stems,
                weight,
                t.df / max(n_docs, 1),
                indexed,
                t.word in named and not typo,
                typo,
                phrase_of.get(t.word, 0),
                shared,
                other_form,
            )  # fmt: skip
        )
    return out


def _another_name(word: str, corrected_to: Sequence[str], meant: Sequence[str]) -> bool:
    """Whether a short word (one edit allowed: `max_distance`) respelled to one corpus word that English holds rare,
    a name or a term (its stem and its commonest form both), names another thing: among short names one letter
    makes another name (snapd and slapd, jsonb and json, kvm and lvm), so the documents' name is no sign that they
    mention the question's. Two neighbouring letters swapped ("slpad") are the name mistyped, and a slip of a
    common word ("tendn" for tendon, "pian" for pain) is still that word."""
    if max_distance(word) != 1 or len(meant) != 1 or len(corrected_to) != 1 or _swapped(word, meant[0].lower()):
        return False
    return min(specificity(corrected_to[0]), specificity(meant[0])) >= Thresholds.key_specificity


# what a longer stem may add to a word's and still be a form of it ("worse": worsen; "rest" is not restrict)
_SUFFIXES = re.compile(r"(?:e?n|e?r|est|e?d|ing|ly|ness|ment|al|ic|ist|ism|ion|ation|ity|ive|e?s|i)+")


def _other_words(word: str, stem: str, corrected_to: Sequence[str]) -> bool:
    """Whether the corpus stems a word the documents lack is searched as are longer words it only begins (the
    engine's variants: "rest" as restrict, "snap" as snapshot, "compared" as compartment), not its forms ("worse" as
    worsen), for a word English uses in its own right (Zipf >= 3): those stems do not say it."""
    if not corrected_to or specificity(word) > Thresholds.key_specificity:
        return False
    extras = [c[len(stem) :] for c in corrected_to if c.startswith(stem) and len(c) > len(stem)]
    return len(extras) == len(corrected_to) and not any(_SUFFIXES.fullmatch(x) for x in extras)


def _swapped(a: str, b: str) -> bool:
    """Whether b is a with two neighbouring letters swapped."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    if len(a) != len(b) or len(diff) != 2 or diff[1] != diff[0] + 1:
        return False
    i, j = diff
    return (a[i], a[j]) == (b[j], b[i])


def _rare(word: str) -> bool:
    return specificity(word) >= Thresholds.key_specificity


_ENDINGS = ("s", "es", "ed", "d", "ing")


def inflections(word: str) -> frozenset[str]:
    """The word and its plural, -ed and -ing forms, from its base ("dicts" -> dict, dicts, dicted...;
    "queries" -> query): a document that writes any of them writes the word."""
    bases = {word} | {word[: -len(e)] for e in _ENDINGS if word.endswith(e) and len(word) > len(e) + 2}
    if word.endswith("ies"):
        bases.add(word[:-3] + "y")
    if word.endswith("ing") and len(word) > 6 and word[-4] == word[-5]:
        bases.add(word[:-4])  # running -> run
    bases |= {b + "e" for b in set(bases) if word.endswith(("ed", "ing"))}  # stored -> store
    plurals = {b[:-1] + "ies" for b in bases if b.endswith("y")}
    return frozenset(bases | plurals | {b + e for b in bases for e in _ENDINGS})


def subject_of(terms: Sequence[Term], limits: Thresholds = Thresholds()) -> tuple[list[Term], bool]:
    """The words that say what the question is about, and whether they are strong: names and words rare
    in English are (their absence is the subject's absence); failing those, its most specific word is
    (a weak subject: other words may say it). Never a generic word, never a typo of a common word; a
    word respelled to a rare corpus word ("sciatic" -> sciatica) is as much a subject as that word. A word is rare
    when its base form is (`base_weight`): English writes "logins" and "restarting" seldom, login and restart often,
    so they are details a passage may say in other words, as their base forms would be."""
    candidates = [t for t in terms if not t.generic and (t.typo_of is None or t.weight >= limits.key_specificity)]
    strong = [t for t in candidates if t.name or base_weight(t.typo_of or t.word) >= limits.key_specificity]
    if strong or not candidates:
        return strong, True
    return [max(candidates, key=lambda t: t.weight)], False


# ----- weighing the evidence ----------------------------------------------------------------------

DERIVED = 4  # letters a passage's stem may add to a question word's stem and still say it (europ-ean)


def fold(stem: str) -> str:
    """A stem without accents (Temür and Temur, Gödel and Godel are the same name to a reader)."""
    if stem.isascii():
        return stem
    return "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))


def body_of(stems: frozenset[str]) -> frozenset[str]:
    """What a passage's stems say, accents folded in: the set `says` looks into."""
    return stems | {fold(s) for s in stems if not s.isascii()}


def says(body: frozenset[str], term: Term) -> bool:
    """Whether a passage (its `body_of` stems) says the word: its stem, a repair, the same letters
    without accents, or a derivation that begins with it ("Europe" in "European", "Palestine" in
    "Palestinian"; stems of 4+ letters, at most DERIVED letters more)."""
    if term.stems & body:
        return True
    for stem in term.stems:
        folded = fold(stem)
        if folded in body:
            return True
        if len(folded) >= 4 and any(b.startswith(folded) and len(b) - len(folded) <= DERIVED for b in body):
            return True
    return False


def assess(
    terms: Sequence[Term],
    candidates: Sequence[Passage],
    bodies: Sequence[frozenset[str]],
    text_stems: Callable[[str], frozenset[str]],
    closeness: float | None = None,
    source_question: bool = False,
    limits: Thresholds = Thresholds(),
    spelled: dict[str, re.Pattern[str]] | None = None,
    sentence_closeness: float | None = None,
) -> Assessment:
    """The evidence for `decide`: `bodies[i]` is what candidate i says with its title and heading (its
    stems), `text_stems(text)` the stems of a text alone (for a heading whose section lost its text),
    `spelled` the question's `compounds`, which some candidate must write as the question does;
    `closeness` and `sentence_closeness` the first candidate's cosine to the question and its best sentence's."""
    terms = tuple(terms)
    total = sum(t.weight for t in terms) or 1.0
    subject, strong = subject_of(terms, limits)
    subject = tuple(subject)
    held: set[str] = set()
    covers: list[float] = []
    for p, body in zip(candidates[: limits.depth], bodies, strict=False):
        if p.kind == "reference" and not source_question:
            covers.append(0.0)  # a title in the reference list is not the documents answering
            continue
        found = {t.word for t in terms if says(body, t)}
        held |= found
        # the documents' own topic words (see unanswered_subject) go without saying in every passage
        covers.append(sum(t.weight for t in terms if t.word in found or t.df_share > limits.common_df) / total)
    first = [b for p, b in zip(candidates[: limits.answer_depth], bodies, strict=False)
             if p.kind != "reference" or source_question]  # fmt: skip
    in_answer = {t.word for body in first for t in subject if says(body, t)}
    absent = tuple(t for t in terms if not t.indexed)
    phrases = {t.phrase for t in subject} if strong else set()
    absent_subject = tuple(
        t for t in absent if (strong and t in subject) or (t.phrase in phrases and not t.generic and not t.typo_of)
    )
    if strong and subject and all(topic(t, limits) for t in subject):
        # a subject that is the documents' own topic ("valgrind" over Valgrind's manual) does not say what the
        # question asks of it: its other words do, and one the documents never write is the subject's absence,
        # read as a typo of an English word or not ("cuda", a typo of Cuba to wordfreq: the documents write neither)
        absent_subject += tuple(t for t in absent if t not in subject and t.weight >= limits.caveat_specificity)
    missing = tuple(t for t in terms if t.word not in held)
    # a subject word in more than common_df of the passages ("sqlite" over SQLite's pages) or said by more than
    # topic_share of the documents ("SQL" over PostgreSQL's) is the documents' own topic: the passage that
    # answers need not repeat it
    unanswered = tuple(t for t in subject if t.indexed and t.word not in in_answer and not topic(t, limits))
    matched_common = all(
        t.df_share > limits.common_df for t in terms if t.word in held and t.weight > limits.generic_specificity
    )
    lesser, detail = _lesser(subject, unanswered, in_answer, limits) if strong else ((), ())
    return Assessment(
        terms=terms,
        subject=subject,
        strong=strong,
        absent=absent,
        absent_subject=absent_subject,
        missing=missing,
        unanswered_subject=unanswered,
        lesser=lesser,
        detail=detail,
        cover=max(covers[: limits.answer_depth], default=0.0),
        first_cover=covers[0] if covers else 0.0,
        found_share=sum(t.weight for t in terms if t.word in held) / total,
        closeness=closeness,
        lost_section=_lost_section(terms, candidates[: limits.depth], text_stems, total, limits),
        common_only=bool(held) and bool(missing) and matched_common,
        source_question=source_question,
        sentence_closeness=sentence_closeness,
        code_first=bool(candidates) and not prose(candidates[0]),
        unspelled=_unspelled(spelled or {}, candidates[: limits.depth], source_question),
    )


def _lesser(
    subject: Sequence[Term], unanswered: Sequence[Term], in_answer: set[str], limits: Thresholds
) -> tuple[tuple[Term, ...], tuple[Term, ...]]:
    """(`lesser`, `detail`) of the Assessment. Lesser: the subject words the first results lack that are common in
    English (`base_weight`: Zipf > 3; names, as
    "GUI", since `subject_of` reads "reboots" as reboot, no subject) and weigh less than a subject word they hold, rare
    in English and not the documents' own topic: "GUI" beside KVM. The question is about the rarer word; the lesser
    one is a detail the answer may say in other words (a "graphical interface"), so its absence needs the meaning
    close, as a weak subject's does, and does not refuse alone. Detail: the words rare in English that are not
    names, lighter than the rarer word held ("overwriting" beside htpasswd: "without overwriting it" is said "rewritten
    and truncated"); those need the meaning very close (`Thresholds.detail_meaning`), for a rare word is most often a
    subject of its own ("monotherapy" beside varenicline in a SciFact claim whose abstract is gone, cosine 0.73)."""
    held = [t.weight for t in subject if t.word in in_answer and not topic(t, limits)]
    top = max((w for w in held if w >= limits.key_specificity), default=None)
    if top is None:
        return (), ()
    lighter = [(t, base_weight(t.typo_of or t.word) >= limits.key_specificity) for t in unanswered if t.weight < top]
    return tuple(t for t, rare in lighter if not rare), tuple(t for t, rare in lighter if rare and not t.name)


def plain_weight(word: str) -> float:
    """The specificity of a word or of its base form, whichever English uses more ("reboots" weighs as reboot)."""
    return min(specificity(f) for f in inflections(word) if len(f) <= len(word))


def base_weight(word: str) -> float:
    """How rare a word is in English as the word it is a form of (`plain_weight`: "logins" weighs as login), when
    English writes the word at all: a word it never writes is no form of another ("snapd" is not snap's past)."""
    return plain_weight(word) if specificity(word) < UNKNOWN else UNKNOWN


def topic(t: Term, limits: Thresholds) -> bool:
    """Whether a word is the documents' own topic: in more than common_df of the passages or said by more
    than topic_share of the documents."""
    return t.df_share > limits.common_df or t.doc_share > limits.topic_share


def own_names(terms: Sequence[Term], limits: Thresholds = Thresholds()) -> frozenset[str]:
    """The question's names and rare words that are the documents' own topic (`topic`: "valgrind" over Valgrind's
    manual, "sqlite" over SQLite's pages): every passage is about them, so they say nothing of which one answers."""
    return frozenset(t.word for t in terms if (t.name or t.weight >= limits.key_specificity) and topic(t, limits))


def _unspelled(
    spelled: dict[str, re.Pattern[str]], candidates: Sequence[Passage], source_question: bool
) -> tuple[str, ...]:
    """The compounds no candidate writes (in its text, section or headings): "max_connections" is not
    said by passages about max and connections apart."""
    if not spelled:
        return ()
    # (apart by " | ": no compound spans a text's end and its heading, "…caps its connections at max" + "CONNECTION")
    texts = [" | ".join((p.text, p.section, *p.heading_path)).lower() for p in candidates
             if p.kind != "reference" or source_question]  # fmt: skip
    return tuple(word for word, pattern in spelled.items() if not any(pattern.search(t) for t in texts))


def _listing(words: Sequence[str]) -> str:
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _shown(terms: Sequence[Term]) -> list[str]:
    """The words worth naming in a reason (generic words said nothing)."""
    return [t.word for t in terms if not t.generic] or [t.word for t in terms]


def verdict(f: dict[str, float], limits: Thresholds = Thresholds()) -> str:
    """The rule that settles a question, from `Assessment.features()` alone (so bench/calibrate.py can
    replay it with other thresholds): "words" or "meaning" when answered, else why not."""
    # a synopsis or an example alone is near a question by its tokens ("git flow branching model commands" and
    # `git filter-branch [--setup <command>] …`, 0.63), not by what it says: its closeness is no meaning
    prose_first = not f.get("code_first")
    close = f["closeness"] >= limits.close_meaning and prose_first
    # a passage's vector dilutes the sentence that answers among the others ("If your healthcare provider
    # suspects a blood clot, they may order a vascular study…" 0.70, its passage 0.39)
    said = f.get("sentence_closeness", -1.0) >= limits.close_sentence and prose_first
    if not f["terms"]:
        return "no-words"
    for rule in ("all_missing", "absent_subject", "unspelled", "lost_section", "unanswered_strong"):
        if f.get(rule):  # (rows recorded before a rule existed lack its feature)
            return rule
    if f["unanswered_weak"] and not close:
        return "unanswered_weak"
    if f.get("unanswered_detail") and not (f["closeness"] >= limits.detail_meaning and prose_first):
        return "unanswered_detail"
    if f.get("other_form_subject") and not close:
        return "other_form"
    if f["common_only"] and (f["closeness"] < limits.very_close_meaning or not prose_first):
        return "common_only"
    if f["cover"] >= limits.cover:
        return "words"
    if (close or said) and f["cover"] >= limits.close_cover:
        return "meaning"
    return "low_cover"


def decide(a: Assessment, limits: Thresholds = Thresholds()) -> Decision:
    """Answered only when the subject is in what answers and the question's words or meaning are
    covered; the reasons say why either way."""
    rule = verdict(a.features(), limits)
    if rule in ("words", "meaning") and (a.absent_subject or a.unspelled or a.unanswered_strong):
        rule = "absent_subject" if a.absent_subject else "unspelled" if a.unspelled else "unanswered_strong"
    cover = round(a.cover, 3)
    low = min(cover, 0.49)  # an abstention's confidence never reads as an answer's
    missing = [t for t in a.missing if not t.generic]
    named = [t.word for t in missing if t.weight >= limits.caveat_specificity]
    # an answer's caveat names words the passages found lack, never its subject (the verdict rules
    # abstain first when the subject is absent), and says "words": these are not "do not mention"
    caveat = (
        (f"the passages found do not use the word{'s' if len(named) > 1 else ''} {_listing(named)}",) if named else ()
    )
    # subject words an answer's first results lack (a weak subject's or a `lesser` one), found only deeper
    detail = [t.word for t in a.unanswered_subject if t.word not in named]
    if detail:
        caveat += (f"the first results do not use the word{'s' if len(detail) > 1 else ''} {_listing(detail)}",)
    if rule == "no-words":
        return Decision(False, 0.0, ("the question has no searchable words (only very common words)",))
    if rule == "all_missing":
        return Decision(False, 0.0, (f"the documents do not mention {_listing(_shown(a.missing))}",))
    if rule == "absent_subject":  # the subject's own words, else the words of its phrase
        shown = [t for t in a.absent_subject if t in a.subject] or list(a.absent_subject)
        return Decision(False, low, (f"the documents do not mention {_listing(_shown(shown))}",))
    if rule == "unspelled":
        return Decision(False, low, (f"the passages found do not mention {_listing(list(a.unspelled))}",))
    if rule == "lost_section" and a.lost_section:
        reason, focus = a.lost_section
        return Decision(False, low, (reason,), focus=focus)
    if rule == "other_form":
        words = _listing([t.word for t in a.subject if t.other_form])
        why = f"the documents write {words} only in other forms, and the first result is not close in meaning"
        return Decision(False, low, (why,))
    if rule in ("unanswered_strong", "unanswered_weak", "unanswered_detail"):
        words = _listing([t.word for t in a.unanswered_subject])
        return Decision(False, low, (f"the passages found do not mention {words}",))
    if rule == "common_only":
        held = _listing([t.word for t in a.terms if t not in a.missing])
        why = (
            f"only words common in these documents matched ({held}); they do not mention {_listing(_shown(a.missing))}"
        )
        return Decision(False, low, (why,))
    if rule == "words":
        return Decision(True, max(cover, 0.5), _held(a) + caveat)
    if rule == "meaning":
        if (a.closeness or 0.0) >= limits.close_meaning:
            meaning = f"the first result says it in other words (meaning similarity {a.closeness:.2f})"
        else:
            meaning = (
                f"a sentence of the first result says it in other words (meaning similarity {a.sentence_closeness:.2f})"
            )
        best = max(a.closeness or 0.0, a.sentence_closeness or 0.0, 0.5)
        return Decision(True, round(best, 3), caveat + (meaning,))
    return Decision(False, low, (f"the first results hold only {a.cover:.0%} of what the question asks",) + caveat)


def _held(a: Assessment) -> tuple[str, ...]:
    held = [t.word for t in a.subject if t not in a.missing and t not in a.unanswered_subject]
    return (f"the first results mention {_listing(held)}",) if held else ()


def _lost_section(terms, candidates, text_stems, total, limits) -> tuple[str, frozenset[str]] | None:  # noqa: ANN001
    """A heading restates the question but its section's text does not hold the question's words (a
    heading over subsections found here, such as a page title, answers through them: never lost)."""
    parents = {h for p in candidates for h in p.heading_path[:-1]}
    sections: dict[str, set[str]] = {}
    for p in candidates:
        if p.kind == "reference":
            continue
        body = text_stems(p.text)
        sections.setdefault(p.section, set()).update(t.word for t in terms if says(body, t))
    for p in candidates:
        if p.kind == "reference" or p.section in parents:
            continue
        heading = text_stems(p.section)
        covered = sum(t.weight for t in terms if says(heading, t)) / total
        if covered < limits.heading_share:
            continue
        lacking = [t for t in terms if t.word not in sections.get(p.section, set())]
        if lacking and any(all(t.word in words for t in lacking) for s, words in sections.items() if s != p.section):
            continue  # another section found here says what this one lacks: the answer is there, not lost
        if sum(t.weight for t in lacking) / total >= limits.section_missing_share:
            reason = (
                f'the section "{p.section}" has no text that answers this (it lacks '
                f"{_listing([t.word for t in lacking])}; its text may have been lost)"
            )
            return reason, frozenset().union(*(t.stems for t in lacking))
    return None
