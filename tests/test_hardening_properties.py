"""Property-based tests: the repair stage and the whole document pipeline on arbitrary Unicode."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.ingest.corpus import load_corpus
from qa.ingest.repair import normalize, repair, repair_text
from qa.ingest.textmap import MappedText

# Words and marks the repair rules react to (glued words, contractions, ranges, credits, sentence glue),
# mixed with arbitrary Unicode so both the rules and the odd characters get exercised.
# fmt: off
PIECES = (
    "the", "calf", "muscle", "TheThompson", "painIn", "dont", "isnt", "10-20", "1020", "Photo:", "Credit:",
    "Getty Images", "end.Next", "—", "–", "’", "“", "\u00a0", "\u200b", "ﬁ", "Ã©", "â€™", "\r\n", "\n", "\n\n",
    " ", "  ", ".", ",", "?", "!", ":", ";", "(", ")", "[1]", "References", "doi:10.1000/x", "https://a.b/c",
    "\ufeff", "\u202e", "\x00", "e\u0301", "👍🏽", "Ǆ", "ß", "İ", "ﬃ", "Ⅻ", "㎏", "\t", "#", "*", "_", "<b>", "&amp;",
)
# fmt: on
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map("".join)
PROPERTY = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def check_map(mapped: MappedText, raw: str) -> None:
    assert mapped.raw_length == len(raw)
    assert len(mapped.starts) == len(mapped.ends) == len(mapped.text)
    last_start = last_end = 0
    for s, e in zip(mapped.starts, mapped.ends, strict=True):
        assert 0 <= s <= e <= len(raw)
        assert s >= last_start and e >= last_end  # never decreasing
        last_start, last_end = s, e


@PROPERTY
@given(TEXT)
@example("")
@example("\n\r\n\r")
@example("a\u0301" * 50)
def test_repair_never_crashes_keeps_lines_and_maps_into_the_raw_text(raw):
    mapped = repair(MappedText.identity(raw))
    assert mapped.text.count("\n") == raw.count("\n")
    check_map(mapped, raw)
    normalized = normalize(MappedText.identity(raw))
    assert normalized.text.count("\n") == raw.count("\n")
    check_map(normalized, raw)


@PROPERTY
@given(TEXT)
@example("Don t")
@example("ﬁ ﬁ")
def test_repair_is_idempotent(raw):
    once = repair_text(raw)
    assert repair_text(once) == once, ascii(raw)


DOCUMENT = st.lists(
    st.one_of(st.sampled_from(PIECES + ("Heading Title\n\n", "Runners feel pain. ", "\n\n")), st.text(max_size=12)),
    max_size=60,
).map("".join)


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(DOCUMENT, st.sampled_from([".txt", ".md", ".html"]))
@example("Title\n\nSome text here.\n\nReferences\n\nSmith J. A paper. 2019.\n", ".txt")
@example("<p>a &#0; &#x110000; &bogus; <b>b</p><script>x</script>", ".html")
def test_the_pipeline_never_crashes_and_every_span_lies_in_the_raw_text(text, suffix):
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        corpus.mkdir()
        (corpus / f"doc{suffix}").write_bytes(text.encode("utf-8"))
        loaded = load_corpus(corpus)
    if loaded.skipped:
        ((path, reason),) = loaded.skipped
        assert path == f"corpus/doc{suffix}" and reason.startswith(f"corpus/doc{suffix}: ")
        assert loaded.passages == ()
        return
    raw = text  # the file holds exactly `text` in UTF-8
    for p in loaded.passages:
        assert 0 <= p.source.start <= p.source.end <= len(raw), p
        assert p.text.strip()
        for s in p.sentences:
            assert p.source.start <= s.source.start <= s.source.end <= p.source.end
            assert p.text[s.start : s.end] == s.text
    for r in loaded.references:
        assert 0 <= r.source.start <= r.source.end <= len(raw)
