"""The shared analyzer: stems, stop words, NFKC, offsets, settings round trip."""

from __future__ import annotations

import random

import pytest

from qa.search.analyzer import Analyzer


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_tokens_are_stems_without_stop_words(analyzer):
    assert analyzer.tokens("The Achilles tendons were RUPTURED while running.") == [
        "achill", "tendon", "ruptur", "run",
    ]  # fmt: skip


def test_nfkc_folds_ligatures_and_fullwidth(analyzer):
    assert analyzer.tokens("ﬁbrous ＣＡＬＦ") == ["fibrous", "calf"]


def test_spans_point_into_the_original_text(analyzer):
    text = "Calf  pain, ﬁbrous_tissue!"
    spans = analyzer.spans(text)
    assert spans == [("calf", 0, 4), ("pain", 6, 10), ("fibrous", 12, 18), ("tissu", 19, 25)]
    assert [text[a:b] for _, a, b in spans] == ["Calf", "pain", "ﬁbrous", "tissue"]


def test_tokens_and_spans_agree_on_non_ascii(analyzer):
    text = "Café au lait ½ Straße"
    assert analyzer.tokens(text) == [s for s, _, _ in analyzer.spans(text)] == [
        "café", "au", "lait", "1", "2", "straße",
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "   ", "the of and", "!!! ---", "_"])
def test_nothing_to_keep(analyzer, text):
    assert analyzer.tokens(text) == []
    assert analyzer.spans(text) == []


def test_over_long_tokens_are_dropped():
    assert Analyzer(max_token_chars=5).tokens("calf muscles") == ["calf"]


def test_round_trip(analyzer):
    again = Analyzer.from_dict(analyzer.to_dict())
    assert again.to_dict() == analyzer.to_dict()
    assert again.tokens("Running calves") == analyzer.tokens("Running calves") == ["run", "calv"]


@pytest.mark.parametrize(
    "bad",
    [{}, {"name": "other", "version": 1}, {"name": Analyzer().to_dict()["name"], "version": 99}],
)
def test_unknown_analyzer_is_refused(bad):
    with pytest.raises(ValueError, match="unknown analyzer"):
        Analyzer.from_dict(bad)


@pytest.mark.parametrize(
    ("text", "stems"),
    [
        ("SomeException", ["someexcept", "except"]),
        ("getElementById", ["getelementbyid", "element", "id"]),
        ("GitHub", ["github", "git", "hub"]),
        ("json.loads snake_case", ["json", "load", "snake", "case"]),
        ("mRNA IgG NFkappaB siRNA", ["mrna", "igg", "nfkappab", "sirna"]),
        ("iPhone McDonald HTTPServer", ["iphon", "mcdonald", "httpserver"]),
    ],
)  # fmt: skip
def test_camel_case_words_also_match_by_their_parts(text, stems):
    a = Analyzer()
    assert a.tokens(text) == stems
    assert [s for s, _, _ in a.spans(text)] == stems


def test_camel_case_parts_have_their_own_spans():
    assert Analyzer().spans("raise SomeException quickly") == [
        ("rais", 0, 5), ("someexcept", 6, 19), ("except", 10, 19), ("quick", 20, 27),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "json — JSON encoder and decoder: json.JSONDecoder’s object_hook “hooks”",  # an em dash, curly quotes
        "getElementById — HTTPServer, mRNA and xmlHTTPRequest2 ‘parts’",  # CamelCase beside non-ASCII punctuation
        "Café naïve ﬁle ½ Σσ İstanbul straße — getLogger",  # non-ASCII words: the offsets path
        "aBc", "“aBcDef”", "under_score snake_caseWord x_yZw", "",
    ],
)  # fmt: skip
def test_word_list_gives_the_words_of_words(analyzer, text):
    assert analyzer.word_list(text) == [w for w, _, _ in analyzer.words(text)]


def test_word_list_gives_the_words_of_words_on_random_strings(analyzer):
    alphabet = [*"abcXYZ _-.,'’“”é ﬁ½İßσ09\n", "getElementById", "HTTPServer", "mRNA", "ÉcoleNormale", "aB2c"]
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert analyzer.word_list(text) == [w for w, _, _ in analyzer.words(text)], text
