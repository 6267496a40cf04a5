"""Word lists kept from one build to the next (qa.search.wordlists): what is reused gives what analysing every
text gives, and a damaged file is analysed again."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from qa.search import wordlists
from qa.search.analyzer import Analyzer
from qa.search.engine import _ARRAYS, Engine

FIRST = [
    "Calf pain is often caused by a muscle strain.",
    "getElementById — “curly” quotes and HTTPServer parts",
    "Café naïve ﬁle ½ straße",
    "",
    "Calf pain is often caused by a muscle strain.",  # the same text twice
    "The Achilles tendon connects the calf muscles to the heel bone.",
]
SECOND = [
    "The Achilles tendon connects the calf muscles to the heel bone.",  # moved first: new first-seen order
    "A brand new passage about ofcalf pain and xmlHTTPRequest handlers.",
    "Calf pain is often caused by a muscle strain.",
    "",
    "Café naïve ﬁle ½ straße",
]


def plain(texts: list[str]) -> wordlists.Analysed:
    return wordlists.analyze(texts, Analyzer())


def same(a: wordlists.Analysed, b: wordlists.Analysed) -> bool:
    return a.words == b.words and np.array_equal(a.tokens, b.tokens) and np.array_equal(a.lengths, b.lengths)


def test_words_are_numbered_in_order_of_first_appearance():
    got = plain(["b a", "", "c a b"])
    assert got.words == ["b", "a", "c"]
    assert got.tokens.tolist() == [0, 1, 2, 1, 0] and got.lengths.tolist() == [2, 0, 3]


def test_reused_word_lists_give_what_analysing_every_text_gives(tmp_path, monkeypatch):
    assert same(wordlists.analyze(FIRST, Analyzer(), tmp_path), plain(FIRST))
    analysed: list[str] = []
    word_list = Analyzer.word_list
    monkeypatch.setattr(Analyzer, "word_list", lambda self, text: analysed.append(text) or word_list(self, text))
    again = wordlists.analyze(SECOND, Analyzer(), tmp_path)
    assert analysed == [SECOND[1]]  # the one text the first build did not have
    monkeypatch.undo()
    assert same(again, plain(SECOND))
    assert same(wordlists.analyze(SECOND, Analyzer(), tmp_path), plain(SECOND))  # from the second build's file


def test_reused_stems_are_not_computed_again(tmp_path, monkeypatch):
    wordlists.analyze(FIRST, Analyzer(), tmp_path)
    analyzer = Analyzer()
    monkeypatch.setattr(analyzer, "_stem", lambda word: pytest.fail(f"stemmed {word} again"))
    wordlists.analyze(FIRST, analyzer, tmp_path)
    assert (analyzer.stem("muscle"), analyzer.stem("the")) == ("muscl", None)


def test_an_engine_built_from_reused_word_lists_is_the_same(tmp_path):
    Engine.build(FIRST, cache=tmp_path)
    reused, fresh = Engine.build(SECOND, cache=tmp_path), Engine.build(SECOND)
    for name in _ARRAYS:
        assert np.array_equal(reused._a[name], fresh._a[name]), name


def _flip(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage", [_flip, lambda p: p.write_bytes(p.read_bytes()[:-5]), lambda p: p.write_bytes(b"\0" * 60)]
)
def test_damaged_word_lists_are_analysed_again(tmp_path, damage, caplog):
    wordlists.analyze(FIRST, Analyzer(), tmp_path)
    (path,) = (tmp_path / wordlists.FOLDER).glob("*.words")
    damage(path)
    with caplog.at_level(logging.WARNING, logger="qa.search.wordlists"):
        again = wordlists.analyze(SECOND, Analyzer(), tmp_path)
    assert f"word lists {path} are damaged" in caplog.text
    assert same(again, plain(SECOND))
    assert path.is_file() and same(wordlists.analyze(SECOND, Analyzer(), tmp_path), plain(SECOND))


def test_another_analyzer_keeps_its_own_file_and_the_old_one_goes(tmp_path):
    wordlists.analyze(FIRST, Analyzer(), tmp_path)
    (first,) = (tmp_path / wordlists.FOLDER).glob("*.words")
    short = Analyzer(max_token_chars=5)
    assert same(wordlists.analyze(FIRST, short, tmp_path), wordlists.analyze(FIRST, Analyzer(max_token_chars=5)))
    (second,) = (tmp_path / wordlists.FOLDER).glob("*.words")
    assert second != first
