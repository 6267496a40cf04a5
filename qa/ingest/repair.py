"""Repair of scraped text: Unicode fixes, glued words, lost punctuation, credit lines; offsets stay exact.

Every stage edits a MappedText and composes with it, so each output character still points at the raw
characters it came from; inserted characters (spaces, apostrophes, dashes) are points in the raw text.
Body-text rules never add or remove a '\n', so the output has the input's lines.
Why one module of this size: its stages are small edit generators that run in a fixed order through one `_apply` and
share the word tests (English frequencies, the corpus's own words); the order is the repair, so they read top to
bottom in one place.
"""

from __future__ import annotations

import bisect
import math
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache, lru_cache

from qa.ingest.lexicon import Lexicon
from qa.ingest.textmap import MappedText

Edit = tuple[int, int, str]  # replace text[start:end] with the string (start == end: insertion)


def normalize(text: MappedText) -> MappedText:
    """Unicode-only fixes, safe on any text (reference lists too): mojibake, quotes, spaces, ligatures,
    zero-width characters and dashes between digits; never adds or removes a '\\n'."""
    for _ in range(4):  # to a fixed point: a removed zero-width character can join two mojibake runs
        before = text.text
        text = _apply(text, _mojibake_edits(text.text))
        text = _apply(text, _char_edits(text.text))
        if text.text == before:
            break
    return text


def repair(text: MappedText, protected: Sequence[tuple[int, int]] = (), lexicon: Lexicon | None = None) -> MappedText:
    """normalize + every body-text rule; the output has exactly the input's '\\n's (a dropped image-credit
    line becomes an empty line) and maps into the same raw text as the input.

    `protected`: raw [start, end) ranges (code, identifiers) no body-text rule may touch: an edit at or
    next to a character that came from one of them is not made. `lexicon`: the corpus's own word
    counts (qa.ingest.lexicon); with it, words glued at punctuation and tokens that are several of the corpus's
    words are split too (`_lexicon_edits`)."""
    text = normalize(text)
    guard = _Guard(protected)
    stages = [_credit_edits, _sentence_edits, _range_edits, _contraction_edits, lambda t: _glue_edits(t, lexicon)]
    if lexicon is not None:
        stages += [_punctuation_edits, lambda t: _lexicon_edits(t, lexicon)]
    # contractions again after glue: a split can free one ("ifisntif" -> "if isnt if" -> "if isn't if")
    for stage in (*stages, _contraction_edits):
        text = _apply(text, guard.allowed(text, stage(text.text)))
    return text


class _Guard:
    """Drops edits that touch protected raw ranges."""

    def __init__(self, protected: Sequence[tuple[int, int]]) -> None:
        spans = sorted((a, b) for a, b in protected if b > a)
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def _inside(self, raw: int) -> bool:
        i = bisect.bisect_right(self.starts, raw) - 1
        return i >= 0 and raw < self.ends[i]

    def allowed(self, text: MappedText, edits: Iterable[Edit]) -> Iterator[Edit]:
        if not self.starts:
            yield from edits
            return
        n = len(text.text)
        for start, end, new in edits:
            near = range(max(0, start - 1), min(n, max(end, start + 1)))  # an insertion touches both sides
            if not any(self._inside(text.starts[i]) for i in near if text.starts[i] < text.ends[i]):
                yield start, end, new


def repair_text(raw: str, vocabulary: Mapping[str, int] | None = None) -> str:
    """The repair stage alone on plain text, line for line (used by `qa clean`); `vocabulary`: the
    corpus's lowercase word counts (as qa.ingest.lexicon counts them), the evidence of the lexicon stages."""
    lexicon = Lexicon(dict(vocabulary)) if vocabulary is not None else None
    return repair(MappedText.identity(raw), lexicon=lexicon).text


# --- applying edits ------------------------------------------------------------------------------


def _apply(text: MappedText, edits: Iterable[Edit]) -> MappedText:
    """`text` with sorted, non-overlapping edits applied, mapped into text's raw source.

    Equivalent to `text.then(<the edit built with TextBuilder>)`, but copies unchanged stretches of the
    map with array slices, so a large text with few edits costs little Python work.
    """
    parts: list[str] = []
    starts = array("q")
    ends = array("q")
    n = len(text.text)
    pos = 0
    for start, end, new in edits:
        parts.append(text.text[pos:start])
        starts.extend(text.starts[pos:start])
        ends.extend(text.ends[pos:start])
        if start == end:  # inserted: a point at the raw position of the next character
            at = text.starts[start] if start < n else text.raw_length
            a, b = at, at
        else:
            a, b = text.starts[start], text.ends[end - 1]
        parts.append(new)
        starts.extend([a] * len(new))
        ends.extend([b] * len(new))
        pos = end
    if pos == 0 and not parts:
        return text
    parts.append(text.text[pos:])
    starts.extend(text.starts[pos:])
    ends.extend(text.ends[pos:])
    return MappedText("".join(parts), starts, ends, text.raw_length)


# --- normalize: Unicode --------------------------------------------------------------------------

# Mojibake of UTF-8 read as Latin-1 / Windows-1252 is made of these characters only.
_CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_RUN = re.compile(f"[\u0080-\u00ff{_CP1252_EXTRA}]{{2,}}")

_CHAR_MAP = {
    **dict.fromkeys("‘’‚‛′", "'"),
    **dict.fromkeys("“”„‟″", '"'),
    **dict.fromkeys("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", " "),
    **dict.fromkeys("\u202f\u205f\u3000\u0085\u2028\u2029", " "),
    **dict.fromkeys("\u200b\u2060\ufeff\u00ad", ""),
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
    "ﬅ": "st",
    "ﬆ": "st",
}
_CHAR_RE = re.compile("[" + "".join(_CHAR_MAP) + "\u200c\u200d\u2012\u2013\u2014]")


def _mojibake_edits(text: str) -> Iterator[Edit]:
    """ftfy on each run of characters mojibake is made of; a changed run maps to the whole run."""
    if text.isascii():
        return
    import ftfy

    for m in _MOJIBAKE_RUN.finditer(text):
        run = m.group()
        fixed = ftfy.fix_text(run, unescape_html=False, fix_line_breaks=False, normalization="NFC")
        if fixed != run and "\n" not in fixed:
            yield m.start(), m.end(), fixed


def _char_edits(text: str) -> Iterator[Edit]:
    if text.isascii():
        return
    for m in _CHAR_RE.finditer(text):
        ch, i = m.group(), m.start()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch in _CHAR_MAP:
            yield i, i + 1, _CHAR_MAP[ch]
        elif ch in "\u200c\u200d":  # (non-)joiners matter in emoji and some scripts: drop them next to ASCII
            if before.isascii() or after.isascii():
                yield i, i + 1, ""
        elif before.isdigit() and after.isdigit() and before.isascii() and after.isascii():
            yield i, i + 1, "-"


# --- image-credit lines --------------------------------------------------------------------------

_CREDIT_KEYWORD = re.compile(
    r"(?i)^(?:(?:photo(?:graph)?|image|illustration|picture|graphic|artwork|video)s?"
    r"(?:\s+credits?)?\s*(?::|\bby\b|\bcourtesy\b|©)|credits?\s*:|courtesy\s+of\b|©)"
)
_CREDIT_AGENCY = re.compile(
    r"(?i)(?:^|[\s/|©(])(?:getty\s+images|shutterstock|istock(?:photo)?|stocksy(?:\s+united)?|alamy"
    r"|adobe\s+stock|unsplash|pexels|pixabay|science\s+photo\s+library|ap\s+photo|corbis|dreamstime"
    r"|123rf)(?:\s+(?:plus|creative|news|entertainment|sport|stock))?\s*\)?$"
)
_CAP_WORDS = r"[A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,3}"
_CREDIT_SLASH = re.compile(rf"^({_CAP_WORDS}) ?/ ?([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){{1,2}})$")


def _is_credit(line: str) -> bool:
    """A short line with no sentence punctuation that reads as a photo credit.

    Either a credit keyword starts it ("Photo: ...", "Illustration by ..."), it ends with a stock-photo
    agency ("Getty Images"), or it has the `Source / First Last` shape whose surname is not a common
    English word ("Verywell / Joshua Seong"; "Input / Output Devices" stays).
    """
    line = line.strip()
    if not line or len(line) > 80 or line[-1] in ".?!" or len(line.split()) > 10:
        return False
    if _CREDIT_KEYWORD.match(line) or _CREDIT_AGENCY.search(line):
        return True
    m = _CREDIT_SLASH.match(line)
    return bool(m) and _zipf(m.group(2).split()[-1]) < 3.3


def _credit_edits(text: str) -> Iterator[Edit]:
    pos = 0
    for line in text.split("\n"):
        if line.strip() and _is_credit(line):
            yield pos, pos + len(line), ""
        pos += len(line) + 1


# --- sentence end glued to the next sentence -----------------------------------------------------

# `cramps.The`: a word of 2+ lowercase letters, a full stop, then a capitalised word.
_SENTENCE_GLUE = re.compile(r"(?<=[a-z][a-z])\.(?=[A-Z][a-z]+(?:\W|$))")
_WORD_BEFORE = re.compile(r"[A-Za-z]?[a-z]*\Z")
# ...unless the chunk reads as code: a URL, a path, an identifier, a call, a type in braces ("{http.Server}", JSDoc's
# way and Node's: "Returns: {http. Server}" split 366 such names in Node.js's API reference)
_NOT_PROSE = re.compile(r"://|www\.|@|/|\\|_|=|\w\(|[{}]|\bdoi\b", re.IGNORECASE)


def _chunk_at(text: str, start: int, end: int) -> str:
    """The whitespace-delimited chunk around text[start:end]."""
    a = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start)) + 1
    bs = [i for i in (text.find(" ", end), text.find("\n", end), text.find("\t", end)) if i >= 0]
    return text[a : min(bs) if bs else len(text)]


def _sentence_edits(text: str) -> Iterator[Edit]:
    split_at = -1  # the full stop split last: a chain "end.Next.More" splits at each one
    for m in _SENTENCE_GLUE.finditer(text):
        i = m.start()
        word = _WORD_BEFORE.search(text, max(0, i - 40), i)
        at = word.start() - 1 if word else -1  # type: ignore[union-attr]
        before = text[at] if at >= 0 and at != split_at else " "
        if before in ".'" or before.isalnum() or before == "_":  # e.g.The, ASP.Net, 1st.The
            continue
        if not _NOT_PROSE.search(_chunk_at(text, m.start(), m.end())):
            split_at = i
            yield m.end(), m.end(), " "


# --- a lost range dash ---------------------------------------------------------------------------

_RANGE = re.compile(r"(\d{4,6})(?=\s?(?:%|percent\b|per cent\b))")


def _range_split(digits: str) -> int | None:
    """Where a 4–6 digit number before '%' splits into a rising range a < b <= 100, or None."""
    for cut in (len(digits) // 2, (len(digits) - 1) // 2):
        a, b = digits[:cut], digits[cut:]
        if not (0 < len(a) <= len(b) <= len(a) + 1) or b[0] == "0" or a[0] == "0":
            continue
        if int(a) < int(b) <= 100:
            return cut
    return None


def _range_edits(text: str) -> Iterator[Edit]:
    for m in _RANGE.finditer(text):
        before = text[m.start() - 1] if m.start() else " "
        if before.isalnum() or before in "_.,$#€£+-":
            continue
        cut = _range_split(m.group(1))
        if cut is not None:
            yield m.start() + cut, m.start() + cut, "-"


# --- missing apostrophes -------------------------------------------------------------------------

# Only contractions whose apostrophe-less form is not itself an English word (so not: wont, its, were,
# well, shell, ill, hell, id, lets, hes, shes, wed, heres; `im` is also the intramuscular abbreviation
# and `Ive` a surname, so only lowercase `ive` and capitalised `Im` are repaired).
_CONTRACTIONS = {
    **{w: len(w) - 1 for w in ("dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant")},
    **{w: len(w) - 1 for w in ("couldnt", "shouldnt", "wouldnt", "hasnt", "havent", "hadnt", "mustnt")},
    **{w: len(w) - 1 for w in ("neednt", "aint", "thats", "theres", "whats", "wheres", "whos")},
    **{w: len(w) - 2 for w in ("youre", "theyre", "weve", "youve", "theyve", "couldve", "shouldve")},
    **{w: len(w) - 2 for w in ("wouldve", "ive")},
    **{w: len(w) - 2 for w in ("youll", "theyll")},
    "im": 1,
}


@cache
def _contraction_re() -> re.Pattern[str]:
    """The contractions as one regex trie on lowercase text (an alternation of 30 words is 4x slower)."""
    return re.compile(r"\b" + _trie(sorted(_CONTRACTIONS)) + r"\b(?!['@/-]|\.\w)")


def _trie(words: list[str]) -> str:
    """A regex matching exactly `words`, factored on common prefixes."""
    heads: dict[str, list[str]] = {}
    for w in words:
        heads.setdefault(w[:1], []).append(w[1:])
    alts = [re.escape(h) + _trie(rests) for h, rests in heads.items() if h]
    if not alts:
        return ""
    body = "(?:" + "|".join(alts) + ")"
    return body + "?" if "" in heads else body


def _contraction_edits(text: str) -> Iterator[Edit]:
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lowercase to two: fall back to ASCII-only lowering
        lower = text.translate({c: c + 32 for c in range(65, 91)})
    for m in _contraction_re().finditer(lower):
        if m.start() and text[m.start() - 1] in "'.@/#-_":
            continue
        word = text[m.start() : m.end()]
        if m.group() in ("ive", "im") and word not in ("ive", "Im"):
            continue
        if _NOT_PROSE.search(_chunk_at(text, m.start(), m.end())):
            continue
        if word == "ive":
            yield m.start(), m.start() + 1, "I"
        cut = m.start() + _CONTRACTIONS[m.group()]
        yield cut, cut, "'"


# --- words glued where link markup was stripped --------------------------------------------------
#
# Stripping a link's markup can eat the spaces at its edges: `of|calf pain|are`, `The|peroneal|nerve`.
# So a split is accepted only as part of a link with evidence at both edges: an opening edge (a word
# that precedes links glued to the link's first word, `ofcalf`, or a capital inside a token after such
# a word, `TheThompson`, or the start of the line) and a closing edge within a few tokens (the link's
# last word glued to the next word, `painare`, `Gastrocnemiusstrains`). Unknown tokens are split into
# common known words; a known but rare word (`testis`) is split only to close or open a link whose
# other edge is certain.


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_CLOSERS = _words(
    "is are was were be been being and or but nor may can could will would should might must has have had "
    "does do did of in on at to for with by from as that which who whose than then when while if also not "
    "the this these those their your its his her our some any such each every into onto about"
)
_OPENERS = _CLOSERS | {"a", "an", "my", "no", "both"}  # `a`, `an` also end real words (human, vitamina)
_FUNCTION = _OPENERS | _CLOSERS
# Prefixes that build one word with what follows (immunosuppressor, hyperintensities): never a link edge.
_PREFIXES = _words(
    "hyper hypo intra inter infra trans multi quasi counter under over super anti post pre semi poly mono "
    "ultra extra para peri meta sub non mid out self cross half micro macro"
)
_MIN_ZIPF = {3: 4.0, 4: 3.0, 5: 2.5, 6: 2.0}  # shorter content words must be commoner; 7+: 1.5
_UNKNOWN = 1.5  # below this Zipf frequency a token may be glued words (wordfreq lists a few glued pairs)
_RARE = 3.0  # a known word below this Zipf frequency may split, but only to close or open a link
_WINDOW = 6  # the closing edge of a link is at most this many tokens after its opening edge
# A token the corpus writes at least this often (qa.ingest.lexicon: its whole-word occurrences, the glued one
# included) is the corpus's own word, never glue: `Cachegrind`, `classmethod`, `formatters` at a line's start.
# Measured over every evaluation corpus: the seed's and MedQuAD's real glues occur once or twice (`ofcalf` 1,
# `doctorssuch` 2); the false splits of the documentation sets are words written 3 to 102 times.
_CORPUS_WORD = 3
_MAX_TOKEN = 40
_TOKEN = re.compile(r"[A-Za-z]+")
_CLAUSE = re.compile(r"[^.!?;:,()\[\]\"\n]+")  # a link never spans these

OPEN, CLOSE, BOTH = "open", "close", "both"  # glue kinds; BOTH: content|content, either edge


@cache
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    # "best" is English's large list; asked for with the arguments wordfreq.zipf_frequency passes, it is the dict
    # zipf_frequency reads (its cache is keyed by the arguments as given), loaded once for both
    return get_frequency_dict("en", "best")


@lru_cache(maxsize=1 << 18)
def _zipf(word: str) -> float:
    """Zipf frequency of a word (0 when unknown), like wordfreq.zipf_frequency but without its tokenizer."""
    f = _frequencies().get(word.lower(), 0.0)
    return math.log10(f) + 9 if f > 0 else 0.0


def _part_ok(part: str, first: bool) -> bool:
    """A part a glued token may split into: a common known word (short ones must be commoner)."""
    if len(part) == 1:
        return first and part == "a"
    if part in _FUNCTION:
        return True
    if len(part) == 2:
        return False
    return _zipf(part) >= _MIN_ZIPF.get(len(part), 1.5)


def _glue_kind(left: str, right: str) -> str | None:
    """What a glue point between two parts can be: a link's opening or closing edge, or None."""
    left_fn, right_fn = left in _FUNCTION, right in _FUNCTION
    if left in _OPENERS and not right_fn:
        return OPEN
    if right in _CLOSERS and not left_fn:
        return CLOSE
    if left_fn or right_fn or left in _PREFIXES or left.endswith("o") or _zipf(right) < 3.0:
        return None
    return BOTH if len(left) >= 5 and len(right) >= 5 else None


def _cost(parts: list[str]) -> float:
    return sum(9.0 - _zipf(p) for p in parts) + len(parts) - 1


@lru_cache(maxsize=1 << 16)
def _segment(lower: str) -> tuple[tuple[int, ...], tuple[str, ...], float]:
    """(cuts, glue kinds, cost) of the most probable split of a token into 2–3 known words."""
    n = len(lower)
    best: tuple[float, tuple[int, ...], tuple[str, ...]] | None = None
    for i in range(1, n - 1):
        if not _part_ok(lower[:i], True):
            continue
        for cuts in [(i,)] + [(i, j) for j in range(i + 3, n - 1)]:
            parts = [lower[a:b] for a, b in zip((0, *cuts), (*cuts, n), strict=True)]
            if not all(_part_ok(p, False) for p in parts[1:]) or any(p in _FUNCTION for p in parts[1:-1]):
                continue
            kinds = tuple(_glue_kind(a, b) for a, b in zip(parts, parts[1:], strict=False))
            if None in kinds or (len(kinds) == 2 and kinds[0] != OPEN):
                continue
            cost = _cost(parts)
            if best is None or cost < best[0]:
                best = (cost, cuts, kinds)  # type: ignore[assignment]
    return (best[1], best[2], best[0]) if best else ((), (), 0.0)


def _camel_cuts(token: str) -> tuple[int, ...]:
    """Cuts at a capital inside an unknown token after a word that precedes links (`TheThompson`)."""
    cuts = []
    piece_start = 0
    for i in range(1, len(token)):
        if token[i].isupper() and token[i - 1].islower():
            if token[piece_start:i].lower() in _OPENERS:
                cuts.append(i)
            piece_start = i
    return tuple(cuts)


def _rare_cut(lower: str, kind: str) -> int | None:
    """The cut of a rare known word into `content|closer` (CLOSE) or `opener|content` (OPEN), else None."""
    if not 0 < _zipf(lower) < _RARE:
        return None
    for i in range(2, len(lower) - 1):
        head, tail = lower[:i], lower[i:]
        if kind == CLOSE and tail in _CLOSERS and head not in _FUNCTION and _part_ok(head, True):
            return i
        if kind == OPEN and head in _OPENERS and tail not in _FUNCTION and _part_ok(tail, False):
            return i
    return None


def _candidate(text: str, start: int, end: int) -> bool:
    """A token that could be glued: bounded by spaces or plain punctuation, not in a URL or number."""
    if end - start > _MAX_TOKEN or end - start < 3:
        return False
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    if before.isalnum() or before in "_-/@.'&+#\\" or after.isalnum() or after in "_-/@&+#\\":
        return False
    if after in ".'" and after2.isalnum():  # Node.js, Thompson's
        return False
    token = text[start:end]
    return not (token.isupper() and len(token) > 1)


@lru_cache(maxsize=1 << 18)
def _token_split(token: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """(cuts, glue kinds) an unknown token would split into on its own, or ((), ()).

    Unknown means absent from wordfreq, or so rare (a few glued pairs are listed: `numberof`, `asmall`)
    that the split is at least ten times more probable than the whole.
    """
    whole = _zipf(token)
    if whole >= _UNKNOWN:
        return (), ()
    if token.islower() or token[1:].islower():
        cuts, kinds, cost = _segment(token.lower())
        return (cuts, kinds) if cuts and (whole == 0 or cost + 1 < 9 - whole) else ((), ())
    cuts = _camel_cuts(token)
    if not cuts or whole > 0:  # iPhone, YouTube, JavaScript, McDermott are known words
        return (), ()
    tail = token[cuts[-1] :]  # `onMaternaland`: the capitalised piece may itself be glued
    if _zipf(tail) == 0 and tail[1:].islower():
        more, kinds, _ = _segment(tail.lower())
        if len(more) == 1:
            return (*cuts, cuts[-1] + more[0]), (OPEN,) * len(cuts) + kinds
    return cuts, (OPEN,) * len(cuts)


def _glue_edits(text: str, lexicon: Lexicon | None = None) -> Iterator[Edit]:
    """Spaces at both edges of links whose markup glued them to their neighbours; with the corpus's `lexicon`,
    never inside a word the corpus writes often (`_CORPUS_WORD`)."""
    unknown = {t for t in set(_TOKEN.findall(text)) if _unknown(t)}
    if not unknown:
        return
    for clause in _CLAUSE.finditer(text):
        if unknown.isdisjoint(_TOKEN.findall(clause.group())):  # most clauses: nothing to do
            continue
        start = clause.start()
        tokens = [m.span() for m in _TOKEN.finditer(text, start, clause.end())]
        for cut in _clause_cuts(text, tokens, start == 0 or text[start - 1] == "\n", lexicon):
            yield cut, cut, " "


@lru_cache(maxsize=1 << 18)
def _unknown(token: str) -> bool:
    return _zipf(token) < _UNKNOWN


def _clause_cuts(
    text: str, tokens: list[tuple[int, int]], at_line_start: bool, lexicon: Lexicon | None = None
) -> list[int]:
    """Positions of the spaces to insert in one clause (no sentence or clause punctuation inside)."""
    accepted: dict[int, tuple[int, ...]] = {}
    opened: tuple[int, int, tuple[int, ...]] | None = None  # (index, start, cuts) of an open link's token
    for k, (start, end) in enumerate(tokens):
        if opened is not None and k - opened[0] > _WINDOW:
            opened = _unpaired(text, opened, accepted)
        token = text[start:end]
        known = not _unknown(token)
        if known and (opened is None or _zipf(token) >= _RARE):
            continue
        if not _candidate(text, start, end):
            continue
        if lexicon is not None and lexicon.at_least(token.lower(), _CORPUS_WORD):
            continue  # the corpus's own word
        cuts, kinds = ((), ()) if known else _token_split(token)
        if len(kinds) == 2 and kinds[1] != OPEN:  # `the|peroneal|nerve`: a one-word link glued at both edges
            if _one_word_link(token.lower(), cuts):
                accepted[start] = cuts
            opened = _unpaired(text, opened, accepted)
        elif kinds[-1:] == (OPEN,):
            _unpaired(text, opened, accepted)
            opened = (k, start, cuts)
        else:
            if known:  # a rare word may close a link another token certainly opened
                cut = _rare_cut(token.lower(), CLOSE)
                cuts, kinds = ((cut,), (CLOSE,)) if cut is not None else ((), ())
            if not kinds:
                continue
            if opened is not None:
                accepted[opened[1]] = opened[2]
            elif not (
                (k == 0 and at_line_start and kinds == (BOTH,))
                or (kinds == (CLOSE,) and _pair_back(text, tokens, k, accepted))
                or _certain_alone(token.lower(), cuts)
            ):
                continue
            accepted[start] = cuts
            opened = None
    _unpaired(text, opened, accepted)
    return [start + cut for start in sorted(accepted) for cut in accepted[start]]


def _unpaired(text: str, opened: tuple[int, int, tuple[int, ...]] | None, accepted: dict) -> None:
    """An opening edge no closing edge followed: split it only if it is certain on its own."""
    if opened is not None:
        _, start, cuts = opened
        end = _TOKEN.match(text, start).end()  # type: ignore[union-attr]
        if _certain_alone(text[start:end].lower(), cuts):
            accepted[start] = cuts


def _certain_alone(lower: str, cuts: tuple[int, ...]) -> bool:
    """A glue with one edge only is split when its content word is long and common (`Theshoulder`)."""
    if len(cuts) != 1:
        return False
    head, tail = lower[: cuts[0]], lower[cuts[0] :]
    function, content = (head, tail) if head in _FUNCTION else (tail, head)
    if function not in _FUNCTION:
        return False
    # a, an, in, is, on, as, at... are also prefixes and suffixes of real words (anuclear, shelterin)
    return (len(function) >= 3 or function == "of") and len(content) >= 6 and _zipf(content) >= 3.5


def _one_word_link(lower: str, cuts: tuple[int, ...]) -> bool:
    """A link of one word glued at both edges must be a long or common word (`the|peroneal|nerve`)."""
    word = lower[cuts[0] : cuts[1]]
    return len(word) >= 6 or (len(word) >= 4 and _zipf(word) >= 3.5)


def _pair_back(text: str, tokens: list[tuple[int, int]], k: int, accepted: dict[int, tuple[int, ...]]) -> bool:
    """A link closed by a certain glued token: split the nearest rare word before it that opens it."""
    for j in range(k - 1, max(-1, k - 1 - _WINDOW), -1):
        start, end = tokens[j]
        if start in accepted:
            return False
        if _candidate(text, start, end):
            cut = _rare_cut(text[start:end].lower(), OPEN)
            if cut is not None:
                accepted[start] = (cut,)
                return True
    return False


# --- glue the corpus's own vocabulary shows --------------------------------------------------------
#
# With the corpus's word counts (qa.ingest.lexicon), a token that occurs nowhere else in the corpus and is no
# English word, but reads as two or three words that do occur intact elsewhere (or are common English),
# is split there: `ofvitamin`, `geochemicalcyclesand`, `performedusing`. Never a token with a capital
# inside (CamelCase, product names), never after a prefix or a combining form (`hyper|glycemia`,
# `cardio|myocyte`), never before a suffix-like word (`fear|less`), never a word the corpus repeats.

_PUNCT_GLUE = re.compile(
    r"(?<=[A-Za-z0-9%)\]])[,;](?=[A-Za-z][a-z])"  # dysplasia,severe  10(-6),odds
    r"|(?<=[a-z0-9][a-z0-9%])\)(?=[A-Za-z][a-z])"  # 54)patients
    r"|(?<=[A-Z]\))(?=[a-z]{2})"  # (CTL)rapidly
    r"|(?<=[a-z]{3})\((?=[A-Za-z]{3})"  # decrease(adjusted  multiforme(GBM)
    r"|(?<=%)(?=[a-z]{3})"  # 39%higher
    r"|(?<=[0-9])(?=(?:to|and|or|vs|versus)\b)"  # -1.41to
)
_NUMBER_GLUE = re.compile(r"(?<=[0-9])[a-z]{4,}\b")  # 48patients
_THE_GLUE = re.compile(r"\b(?:the|of|in|and|with|from|by)(?=[A-Z][A-Za-z]|[A-Z]\b)")  # theNotch, inMR
_CALL = re.compile(r"[A-Za-z]\.[A-Za-z]|[a-z][A-Z]")  # logging.getLogger(name): a call, not glue
_NOT_PROSE_CHUNK = re.compile(r"://|www\.|@|/|\\|_|=|\bdoi\b", re.IGNORECASE)
_SHORT_WORDS = _words("a an in of to is on at as by or be we it no if so do up")
_SUFFIX_WORDS = _words("less ness ment able ship like wise ward hood fold ly ed ing genesis ase ity ally")
_COMBINING = re.compile(r"(?:o|yl)$")  # cardio|myocyte, methyl|esterase: combining forms
_COMBINING_WORD = 4.0  # ...unless that common a word
_LEX_TOKEN = re.compile(r"[A-Za-z]{4,40}")
_LEX_MIN_CORPUS_PART = 5  # a part this long may be a word because the corpus has it intact twice
_LEX_FUNCTION_PAIR = 3.6  # a listed token under this Zipf frequency splits when all its parts are function words...
_LEX_COMMON_PAIR = 2.5  # ...or, under this one, when every part is a very common word (newfield)
_LEX_COMMON_PART = 4.5


def _punctuation_edits(text: str) -> Iterator[Edit]:
    """A space after a comma, semicolon, closing parenthesis or per cent sign glued to the next word
    (`dysplasia,severe`, `(CTL)rapidly`), before an opening parenthesis glued to the word before
    (`decrease(adjusted`) and between a number and a glued `to`/`and`/`or` (`-1.41to`), outside URLs,
    paths and code-looking chunks."""
    for m in _PUNCT_GLUE.finditer(text):
        chunk = _chunk_at(text, m.start(), m.end())
        if _NOT_PROSE_CHUNK.search(chunk) or (m.group() == "(" and _CALL.search(chunk)):
            continue
        at = m.end() if m.group() in ",;)" else m.start()
        yield at, at, " "


def _lexicon_edits(text: str, lexicon: Lexicon) -> Iterator[Edit]:
    yield from _sorted_edits(text, lexicon)


def _sorted_edits(text: str, lexicon: Lexicon) -> list[Edit]:
    """Every lexicon-stage insertion, sorted (they come from three scans)."""
    cuts = set(_word_cuts(text, lexicon))
    for m in _NUMBER_GLUE.finditer(text):  # a number glued to a common word: 48patients
        if _zipf(m.group()) >= _COMBINING_WORD - 0.5 and not _NOT_PROSE_CHUNK.search(
            _chunk_at(text, m.start(), m.end())
        ):
            cuts.add(m.start())
    for m in _THE_GLUE.finditer(text):  # theNotch, inMR: a lowercase article or preposition glued to a name
        end = m.end()
        while end < len(text) and text[end].isalnum():
            end += 1
        token = text[m.start() : end]
        if (
            _zipf(token) == 0
            and not lexicon.at_least(token.lower(), 2)
            and not _NOT_PROSE_CHUNK.search(_chunk_at(text, m.start(), end))
        ):
            cuts.add(m.end())
    return [(c, c, " ") for c in sorted(cuts)]


def _word_cuts(text: str, lexicon: Lexicon) -> Iterator[int]:
    seen: dict[str, tuple[int, ...]] = {}
    for m in _LEX_TOKEN.finditer(text):
        start, end = m.span()
        token = m.group()
        if any(c.isupper() for c in token[1:]) or not _lex_candidate(text, start, end):
            continue
        lower = token.lower()
        if lower not in seen:
            seen[lower] = _lexicon_cuts(lower, lexicon)
        for cut in seen[lower]:
            yield start + cut


def _lexicon_cuts(lower: str, lexicon: Lexicon) -> tuple[int, ...]:
    """Where a token the corpus has nowhere else splits into its words, or () (see the section comment)."""
    z = _zipf(lower)
    if z >= _LEX_FUNCTION_PAIR or lexicon.at_least(lower, 2):
        return ()
    for p in _PREFIXES:  # intra|aortic, under|most: one word built on a prefix
        rest = lower[len(p) :]
        if lower.startswith(p) and len(rest) >= 3 and (lexicon.at_least(rest, 2) or _zipf(rest) >= _RARE):
            return ()
    if _inflected(lower):  # rewrapping is rewrap + -ing, not rewrap|ping
        return ()
    cuts = _lexicon_split(lower, lexicon)
    if not cuts or z < _UNKNOWN:
        return cuts
    parts = [lower[a:b] for a, b in zip((0, *cuts), (*cuts, len(lower)), strict=True)]
    if all(p in _FUNCTION for p in parts):  # forthe, ofthe: listed, still glue
        return cuts
    return cuts if z < _LEX_COMMON_PAIR and all(_zipf(p) >= _LEX_COMMON_PART for p in parts) else ()


_INFLECTIONS = ("ings", "ing", "ers", "er", "ed", "es", "s")
_INFLECTED_BASE = 1.0  # the base must be an English word this common (wordfreq lists a few glued pairs lower)


def _inflected(lower: str) -> bool:
    """Whether `lower` is an English word's inflection (rewrapping, rewrapped: rewrap; recomputing: recompute),
    which wordfreq may not list although it lists the word: one word, never glued ones."""
    for suffix in _INFLECTIONS:
        stem = lower[: -len(suffix)]
        if not lower.endswith(suffix) or len(stem) < 3:
            continue
        bases = {stem, stem + "e"}
        if stem[-1] == stem[-2]:  # wrapp|ing
            bases.add(stem[:-1])
        if stem.endswith("i"):  # appli|es
            bases.add(stem[:-1] + "y")
        if any(_zipf(base) >= _INFLECTED_BASE for base in bases):
            return True
    return False


def _lexicon_split(lower: str, lexicon: Lexicon) -> tuple[int, ...]:
    """Cuts of the cheapest split of `lower` into 2-3 known words, or () when there is none. The costs (which
    ask the corpus's exact counts) are worked out only when there are several splits to choose from, so a lone
    split depends on the counts only through the thresholds of `_lex_part` (qa.ingest.lexicon.Recording)."""
    splits = list(_lexicon_splits(lower, lexicon))
    if len(splits) <= 1:
        return splits[0][1] if splits else ()
    zipfs = {p: _lex_zipf(p, lexicon, math.inf) for parts, _ in splits for p in parts}
    costs = [sum(9.0 - zipfs[p] for p in parts) + 2.0 * (len(parts) - 1) for parts, _ in splits]
    best = 0
    for k, cost in enumerate(costs):  # the first of the cheapest
        if cost < costs[best]:
            best = k
    # The choice stands while no cost difference moves by its margin: each involves at most 6 parts.
    margin = min(c - costs[best] for k, c in enumerate(costs) if k != best)
    for part in zipfs:
        _lex_zipf(part, lexicon, margin / 8)
    return splits[best][1]


def _lexicon_splits(lower: str, lexicon: Lexicon) -> Iterator[tuple[list[str], tuple[int, ...]]]:
    """Every split of `lower` into 2-3 known words (parts, cuts), in order of their cuts."""
    n = len(lower)
    for i in range(1, n):
        head = lower[:i]
        if not _lex_part(head, lexicon, first=True):
            continue
        for cuts in [(i,)] + [(i, j) for j in range(i + 1, n)]:
            parts = [lower[a:b] for a, b in zip((0, *cuts), (*cuts, n), strict=True)]
            if not all(_lex_part(p, lexicon, first=False) for p in parts[1:]):
                continue
            if len(parts) == 3 and parts[1] in ("a", "an") and parts[0] not in _FUNCTION:
                continue  # acetyl|a|table; but that|an|upregulation
            if any(_joins_next(a, b) for a, b in zip(parts, parts[1:], strict=False)):
                continue
            yield parts, cuts


def _lex_part(part: str, lexicon: Lexicon, first: bool) -> bool:
    """A part a glued token may split into: a short function word, or a word the corpus has intact
    elsewhere that is also common English or (5+ letters) occurs intact at least twice."""
    if len(part) <= 2:
        return part in _SHORT_WORDS
    if part not in _FUNCTION and not lexicon.at_least(part, 1):
        return False
    if _zipf(part) >= _MIN_ZIPF.get(len(part), 1.5) + 0.5:
        return True
    return len(part) >= _LEX_MIN_CORPUS_PART and lexicon.at_least(part, 2)


def _joins_next(left: str, right: str) -> bool:
    """Whether left+right is one word built from parts (a prefix, a combining form, a suffix)."""
    if left in _PREFIXES or right in _SUFFIX_WORDS:
        return True
    # a combining form is no word of its own (cardio, methyl); undergo|an, photo|of are words
    return bool(_COMBINING.search(left)) and left not in _FUNCTION and _zipf(left) < _COMBINING_WORD


def _lex_zipf(part: str, lexicon: Lexicon, tolerance: float) -> float:
    """The Zipf frequency of a part: in the corpus (relative to its scale) or in English, the higher; the
    caller's decision stands while it moves by up to `tolerance` (qa.ingest.lexicon.Lexicon.zipf)."""
    return max(lexicon.zipf(part, tolerance), _zipf(part))


def _lex_candidate(text: str, start: int, end: int) -> bool:
    """_candidate, but a hyphen may border the token (enzyme-linkedimmunosorbent, acommunity-based)."""
    if _candidate(text, start, end):
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if "-" not in (before, after) or end - start > _MAX_TOKEN:
        return False
    before = " " if before == "-" else before
    after = " " if after == "-" else after
    if before.isalnum() or before in "_/@.'&+#\\" or after.isalnum() or after in "_/@&+#\\":
        return False
    chunk = _chunk_at(text, start, end)
    # a command-line option (--autosquash, -no-autosquash) is an identifier, not glued prose
    return not (chunk.lstrip("([{\"'").startswith("-") or _NOT_PROSE_CHUNK.search(chunk))
