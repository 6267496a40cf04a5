import pytest

from qa.models import Span
from qa.web.render import highlight, safe_url


def test_answer_in_mark_terms_in_strong():
    html = highlight("Calf pain. Achilles rupture hurts.", Span(11, 34), (Span(0, 4), Span(20, 27)))
    assert str(html) == (
        '<strong class="term">Calf</strong> pain. <mark class="answer">Achilles '
        '<strong class="term">rupture</strong> hurts.</mark>'
    )


def test_everything_is_escaped():
    html = highlight("<b>ice</b> & <script>x</script>", Span(0, 10), (Span(3, 6),))
    assert str(html) == (
        '<mark class="answer">&lt;b&gt;<strong class="term">ice</strong>&lt;/b&gt;</mark>'
        " &amp; &lt;script&gt;x&lt;/script&gt;"
    )


def test_a_term_crossing_the_answer_edge_is_split_so_tags_nest():
    html = highlight("abcdef", Span(2, 4), (Span(1, 3),))
    assert str(html) == 'a<strong class="term">b</strong><mark class="answer"><strong class="term">c</strong>d</mark>ef'


@pytest.mark.parametrize(
    "answer,highlights,expected",
    [
        (None, (), "abc"),
        (Span(2, 1), (), "abc"),
        (Span(0, 9), (), "abc"),
        (Span(0, 0), (), "abc"),
        (None, (Span(-3, 1),), '<strong class="term">a</strong>bc'),
        (None, (Span(2, 99),), 'ab<strong class="term">c</strong>'),
        (None, (Span(0, 2), Span(1, 3)), '<strong class="term">abc</strong>'),
        (None, (Span(2, 2), Span(5, 6)), "abc"),
    ],
)
def test_bad_spans_are_clipped_or_ignored(answer, highlights, expected):
    assert str(highlight("abc", answer, highlights)) == expected


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://doi.org/10.1/x", "https://doi.org/10.1/x"),
        ("http://example.org", "http://example.org"),
        (" https://a.b/c ", "https://a.b/c"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,x", None),
        ("//evil.example", None),
        ("https:///nohost", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected
