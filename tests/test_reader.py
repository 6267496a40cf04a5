import hashlib
import html
import json

import pytest

from qa.errors import CorpusError
from qa.ingest.htmltext import extract as extract_html
from qa.ingest.mdtext import extract_markdown
from qa.ingest.reader import (
    assign_ids,
    discover,
    read_source,
    slugify,
    split_front_matter,
)
from qa.ingest.textmap import MappedText


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_discover_is_recursive_sorted_and_skips_other_and_hidden_files(tmp_path):
    corpus = tmp_path / "corpus"
    for name in [
        "b.txt",
        "a.md",
        "guides/knee.html",
        "guides/x.htm",
        "notes.pdf",
        "a.meta.json",
        ".hidden.txt",
    ]:
        write(corpus / name, "text")
    write(corpus / ".git" / "c.txt", "text")
    found = [p.relative_to(corpus).as_posix() for p in discover(corpus)]
    assert found == ["a.md", "b.txt", "guides/knee.html", "guides/x.htm"]


def test_discover_missing_folder_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        discover(tmp_path / "nope")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("calf-pain", "calf-pain"),
        ("guides/Knee Pain", "guides-knee-pain"),
        ("Ünïcode_ß", "unicode-ss"),  # accents dropped, other scripts kept (issue 13 row 17)
        ("日本語/資料", "日本語-資料"),
        ("---", "doc"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize(
    ("paths", "ids"),
    [
        (["calf-pain.txt", "guides/knee.md"], ["calf-pain", "guides-knee"]),
        (["guides/knee.html", "guides/knee.md", "hip.txt"], ["guides-knee-html", "guides-knee-md", "hip"]),
        (["a-b.txt", "a_b.txt"], ["a-b-txt-427978", "a-b-txt-bd3722"]),  # a hash of the own path, not a position
        (["a-b.md", "a-b.txt", "a_b.txt"], ["a-b-md", "a-b-txt-427978", "a-b-txt-bd3722"]),
    ],
)
def test_assign_ids_keeps_the_extension_on_collision(paths, ids):
    assert assign_ids(paths) == dict(zip(paths, ids, strict=True))


def test_read_source_identity_fields(tmp_path):
    corpus = tmp_path / "corpus"
    data = b"Calf Pain\n\nThere are many causes.\n"
    path = write(corpus / "sub" / "calf.txt", data)
    src = read_source(path, corpus, "sub-calf")
    assert (src.id, src.path, src.format, src.size) == ("sub-calf", "corpus/sub/calf.txt", "txt", len(data))
    assert src.sha256 == hashlib.sha256(data).hexdigest()
    assert src.text.text == src.raw == data.decode()
    assert (src.title, src.url, src.stem, src.headings) == (None, None, "calf", {})


def test_undecodable_file_names_file_and_byte_offset(tmp_path):
    path = write(tmp_path / "corpus" / "bad.txt", b"good text \xff\xfe more")
    with pytest.raises(CorpusError) as err:
        read_source(path, tmp_path / "corpus", "bad")
    assert err.value.detail == (
        "corpus/bad.txt: not valid UTF-8 (byte offset 10); if it is Latin-1/Windows-1252 text, convert it: "
        "iconv -f WINDOWS-1252 -t UTF-8 bad.txt > bad.txt.tmp && mv bad.txt.tmp bad.txt"
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b" \n\t\r\n", "empty file"),
        ("bom.txt", b"\xef\xbb\xbf\n", "empty file"),
        ("tags.html", b"<html><script>x()</script><p> </p></html>", "no text after removing markup"),
        ("meta.md", b"---\ntitle: T\n---\n", "no text after removing markup"),
    ],
)
def test_files_without_text_are_errors(tmp_path, name, data, reason):
    path = write(tmp_path / "corpus" / name, data)
    with pytest.raises(CorpusError) as err:
        read_source(path, tmp_path / "corpus", "x")
    assert err.value.detail == f"corpus/{name}: {reason}"


def test_front_matter_gives_title_and_url_and_keeps_lines_and_offsets():
    raw = '---\ntitle: "Knee guide"\nurl: https://example.org/knee\nauthor:\n---\nBody line.\n'
    meta, text = split_front_matter(raw)
    assert meta == {"title": "Knee guide", "url": "https://example.org/knee"}
    assert text.text == "\n\n\n\n\nBody line.\n"
    i = text.text.index("Body")
    assert raw[slice(*text.span(i, i + 10))] == "Body line."


@pytest.mark.parametrize("raw", ["No front matter\n---\ntitle: x\n---\n", "--- \nunclosed: yes\n"])
def test_no_front_matter(raw):
    meta, text = split_front_matter(raw)
    assert (meta, text.text) == ({}, raw)


def test_sidecar_metadata_wins_over_front_matter(tmp_path):
    corpus = tmp_path / "corpus"
    path = write(corpus / "knee.md", "---\ntitle: From front matter\nurl: https://a.example\n---\nText here.\n")
    write(corpus / "knee.meta.json", json.dumps({"title": "From sidecar", "other": 1}))
    src = read_source(path, corpus, "knee")
    assert (src.title, src.url) == ("From sidecar", "https://a.example")


def test_sidecar_with_full_file_name_wins_over_stem_sidecar(tmp_path):
    corpus = tmp_path / "corpus"
    path = write(corpus / "knee.html", "<p>Text here.</p>")
    write(corpus / "knee.meta.json", json.dumps({"title": "Stem"}))
    write(corpus / "knee.html.meta.json", json.dumps({"title": "Full", "url": "https://b.example/k"}))
    src = read_source(path, corpus, "knee")
    assert (src.title, src.url) == ("Full", "https://b.example/k")


@pytest.mark.parametrize(
    ("content", "message"),
    [("{oops", "unreadable metadata file knee.meta.json"), ("[1]", "metadata file knee.meta.json is not")],
)
def test_bad_sidecar_is_an_error(tmp_path, content, message):
    corpus = tmp_path / "corpus"
    path = write(corpus / "knee.txt", "Text here.")
    write(corpus / "knee.meta.json", content)
    with pytest.raises(CorpusError, match=f"corpus/knee.txt: {message}"):
        read_source(path, corpus, "knee")


HTML = """<!doctype html>
<html><head><title>Knee  &amp; Calf</title><style>p { color: red }</style>
<link rel="canonical" href="https://example.org/knee"></head>
<body><nav><a href="/">Home</a></nav><header><p>Site banner</p></header>
<main><h1>Knee pain</h1>
<p>Pain  behind the
knee&nbsp;is common &amp; often <b>harmless</b>.<br>Rest helps.</p>
<script>var x = "<p>hidden</p>";</script><noscript>Enable JS</noscript>
<h2>Causes &#8211; overview</h2><ul><li>Strain</li><li>Cramp</li></ul>
<aside>Related</aside><template><p>tpl</p></template>
</main><footer>Copyright</footer></body></html>"""


def test_html_extraction_drops_chrome_and_keeps_blocks_and_headings():
    page = extract_html(HTML)
    text, headings, title, url = page.text, page.headings, page.title, page.url
    lines = text.text.split("\n")
    assert [line for line in lines if line] == [
        "Knee pain",
        "Pain behind the knee is common & often harmless.",
        "Rest helps.",
        "Causes – overview",
        "Strain",
        "Cramp",
    ]
    assert {lines[n]: level for n, level in headings.items()} == {"Causes – overview": 2, "Knee pain": 1}
    assert (title, url) == ("Knee & Calf", "https://example.org/knee")


def test_html_offsets_point_into_the_raw_html_and_entities_map_whole():
    text = extract_html(HTML).text
    for target, raw in [("&", "&amp;"), ("–", "&#8211;"), ("harmless", "harmless")]:
        i = text.text.index(target)
        assert HTML[slice(*text.span(i, i + len(target)))] == raw
    i = text.text.index("Pain behind")
    assert HTML[slice(*text.span(i, i + 20))] == "Pain  behind the\nknee"
    for k, ch in enumerate(text.text):
        a, b = text.starts[k], text.ends[k]
        if a < b and not ch.isspace():
            assert html.unescape(HTML[a:b]) == ch


def test_html_file_uses_title_tag_and_canonical_url(tmp_path):
    corpus = tmp_path / "corpus"
    src = read_source(write(corpus / "k.html", HTML), corpus, "k")
    assert (src.format, src.title, src.url) == ("html", "Knee & Calf", "https://example.org/knee")
    assert src.text.raw_length == len(HTML)


MARKDOWN = """# Knee *pain*

Some **bold** text with a [link](http://x.example "t") and ![img](a.png) plus `code` and <span>tag</span>.
- item one
- item \\*two\\*

Setext Heading
==============
snake_case and 5 * 3 stay; see <https://example.org>.
[ref]: https://example.org/ref
```
code block line
```
"""


def test_markdown_strips_markup_line_for_line():
    md = extract_markdown(MappedText.identity(MARKDOWN))
    text, headings = md.text, md.headings
    lines = text.text.split("\n")
    assert lines == [
        "Knee pain",
        "",
        "Some bold text with a link and  plus code and tag.",
        "item one",
        "item *two*",
        "",
        "Setext Heading",
        "",
        "snake_case and 5 * 3 stay; see https://example.org.",
        "",
        "",
        "code block line",
        "",
        "",
    ]
    assert headings == {0: 1, 6: 1}
    code = MARKDOWN.index("code block line")
    assert md.code_blocks == ((code, code + len("code block line")),)
    assert [MARKDOWN[a:b] for a, b in md.inline_code] == ["code"]


def test_markdown_offsets_point_into_the_raw_markdown():
    text = extract_markdown(MappedText.identity(MARKDOWN)).text
    for target in ["pain", "link", "bold", "code", "two", "https://example.org"]:
        i = text.text.index(target)
        assert MARKDOWN[slice(*text.span(i, i + len(target)))] == target
    for k, ch in enumerate(text.text):
        assert MARKDOWN[text.starts[k] : text.ends[k]] == ch
