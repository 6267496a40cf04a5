import pytest

from qa.search.vocabulary import Vocabulary


@pytest.fixture
def vocab():
    return Vocabulary.from_terms(["treat", "treatment", "treatabl", "tree", "wors", "worsen", "zeta"])


def test_ids_are_positions_in_byte_order(vocab):
    assert [vocab.term(i) for i in range(len(vocab))] == [
        "treat", "treatabl", "treatment", "tree", "wors", "worsen", "zeta",
    ]  # fmt: skip
    assert vocab.id("worsen") == 5 and vocab.id("nope") == -1


@pytest.mark.parametrize(
    "prefix, limit, expected",
    [("treat", 3, ["treatabl", "treatment"]), ("treat", 1, ["treatabl"]), ("wors", 3, ["worsen"]),
     ("zeta", 3, []), ("q", 3, []), ("tre", 9, ["treat", "treatabl", "treatment", "tree"])],
)  # fmt: skip
def test_with_prefix_lists_longer_terms_only(vocab, prefix, limit, expected):
    assert [vocab.term(i) for i in vocab.with_prefix(prefix, limit)] == expected
