from array import array

import pytest

from qa.ingest.textmap import MappedText, TextBuilder


def test_identity_maps_each_character_to_itself():
    mt = MappedText.identity("abc")
    assert list(mt.starts) == [0, 1, 2]
    assert list(mt.ends) == [1, 2, 3]
    assert mt.span(0, 3) == (0, 3)
    assert mt.span(1, 1) == (1, 1)
    assert mt.span(3, 3) == (3, 3)


def test_builder_copy_replace_insert():
    raw = "ofcalf\ufb01x"
    b = TextBuilder(len(raw))
    b.copy("of", 0)
    b.insert(" ", 2)
    b.copy("calf", 2)
    b.replace("fi", 6, 7)
    b.copy("x", 7)
    mt = b.build()
    assert mt.text == "of calffix"
    assert list(mt.starts) == [0, 1, 2, 2, 3, 4, 5, 6, 6, 7]
    assert list(mt.ends) == [1, 2, 2, 3, 4, 5, 6, 7, 7, 8]
    assert mt.span(3, 7) == (2, 6)
    assert raw[slice(*mt.span(0, 10))] == raw


def test_then_composes_two_edits():
    raw = "a\u00a0b"
    first = TextBuilder(3)
    first.copy("a", 0)
    first.replace(" ", 1, 2)
    first.copy("b", 2)
    step1 = first.build()
    second = TextBuilder(len(step1.text))
    second.copy("a", 0)
    second.insert("-", 1)
    second.copy(" b", 1)
    composed = step1.then(second.build())
    assert composed.text == "a- b"
    assert list(composed.starts) == [0, 1, 1, 2]
    assert list(composed.ends) == [1, 1, 2, 3]
    assert composed.raw_length == len(raw)


@pytest.mark.parametrize("start,end", [(-1, 2), (2, 1), (0, 4)])
def test_span_out_of_range_is_an_error(start, end):
    with pytest.raises(ValueError):
        MappedText.identity("abc").span(start, end)


def test_then_rejects_a_map_of_another_text():
    with pytest.raises(ValueError):
        MappedText.identity("abc").then(MappedText("x", array("q", [0]), array("q", [1]), 5))
