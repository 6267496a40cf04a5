import pytest

from qa.ingest.references import parse_fields, parse_references
from qa.ingest.structure import Line
from qa.models import Span


def lines_of(*texts: str) -> list[Line]:
    """Lines laid out as a raw text with blank lines between them, with their spans."""
    out, pos = [], 0
    for text in texts:
        out.append(Line(text, Span(pos, pos + len(text))))
        pos += len(text) + 2
    return out


def fields(ref):
    return (
        ref.authors,
        ref.organization,
        ref.title,
        ref.venue,
        ref.year,
        ref.details,
        ref.doi,
        ref.url,
        ref.text,
    )


def test_personal_authors_article_with_continuation_line():
    first = (
        "Mcdermott MM.Lower extremity manifestations of peripheral artery disease: the pathophysiologic and "
        "functional implications of leg ischemia.Circ Res."
    )
    refs = parse_references("d", lines_of(first, "2015 Apr;116(9):1540-50. doi:10.1161/CIRCRESAHA.114.303517"))
    assert len(refs) == 1
    title = (
        "Lower extremity manifestations of peripheral artery disease: the pathophysiologic and functional "
        "implications of leg ischemia"
    )
    assert fields(refs[0]) == (
        ("Mcdermott MM",),
        None,
        title,
        "Circ Res",
        2015,
        "116(9):1540-50",
        "10.1161/CIRCRESAHA.114.303517",
        "https://doi.org/10.1161/CIRCRESAHA.114.303517",
        f"Mcdermott MM. {title}. Circ Res. 2015 Apr;116(9):1540-50. doi:10.1161/CIRCRESAHA.114.303517",
    )
    assert (refs[0].id, refs[0].ordinal, refs[0].source) == ("d-r1", 1, Span(0, len(first) + 2 + 58))


def test_two_authors_and_a_tail_without_doi():
    refs = parse_references(
        "calf-pain",
        lines_of(
            "Neutze D, Roque J.Clinical evaluation of bleeding and bruising in primary care.Am Fam Physician.",
            "2016 Feb;93(4):279-285.",
        ),
    )
    assert fields(refs[0]) == (
        ("Neutze D", "Roque J"),
        None,
        "Clinical evaluation of bleeding and bruising in primary care",
        "Am Fam Physician",
        2016,
        "93(4):279-285",
        None,
        None,
        "Neutze D, Roque J. Clinical evaluation of bleeding and bruising in primary care. Am Fam Physician. "
        "2016 Feb;93(4):279-285.",
    )


def test_question_title_glued_to_its_venue():
    refs = parse_references(
        "d",
        lines_of(
            "Gaunder C, McKinney B, Rivera J.Popliteal artery entrapment or chronic exertional compartment "
            "syndrome?Case Rep Med.",
            "2017 Aug;2017(1):1-5. doi:10.1155/2017/6981047",
        ),
    )
    assert fields(refs[0]) == (
        ("Gaunder C", "McKinney B", "Rivera J"),
        None,
        "Popliteal artery entrapment or chronic exertional compartment syndrome?",
        "Case Rep Med",
        2017,
        "2017(1):1-5",
        "10.1155/2017/6981047",
        "https://doi.org/10.1155/2017/6981047",
        "Gaunder C, McKinney B, Rivera J. Popliteal artery entrapment or chronic exertional compartment "
        "syndrome? Case Rep Med. 2017 Aug;2017(1):1-5. doi:10.1155/2017/6981047",
    )


def test_orphan_tail_after_a_web_page_stays_its_own_entry():
    refs = parse_references(
        "d",
        lines_of(
            "Kaiser Permanente.Wound hematoma evacuation: Care instructions.",
            "2018;48(5):388-397. doi:10.2519/jospt.2018.7192",
            "The Stone Clinic.Plantaris injury.",
        ),
    )
    assert [fields(r) for r in refs] == [
        (
            (),
            "Kaiser Permanente",
            "Wound hematoma evacuation: Care instructions",
            None,
            None,
            None,
            None,
            None,
            "Kaiser Permanente. Wound hematoma evacuation: Care instructions.",
        ),
        (
            (),
            None,
            "",
            None,
            2018,
            "48(5):388-397",
            "10.2519/jospt.2018.7192",
            "https://doi.org/10.2519/jospt.2018.7192",
            "2018;48(5):388-397. doi:10.2519/jospt.2018.7192",
        ),
        (
            (),
            "The Stone Clinic",
            "Plantaris injury",
            None,
            None,
            None,
            None,
            None,
            "The Stone Clinic. Plantaris injury.",
        ),
    ]
    assert [r.id for r in refs] == ["d-r1", "d-r2", "d-r3"]


def test_title_without_its_authors_keeps_its_venue_and_tail():
    refs = parse_references(
        "d",
        lines_of("A historical and biographical review.J Foot Ankle Surg.", "2014;6(10):491-9. doi:10.4103/x.1"),
    )
    assert [(r.authors, r.organization, r.title, r.venue, r.year, r.details, r.doi) for r in refs] == [
        (
            (),
            None,
            "A historical and biographical review",
            "J Foot Ankle Surg",
            2014,
            "6(10):491-9",
            "10.4103/x.1",
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (authors, organization, title, venue, year, doi, url)
        ("Mayo Clinic.Calf pain.", ((), "Mayo Clinic", "Calf pain", None, None, None, None)),
        (
            "Mayo Clinic. Calf pain. https://www.mayoclinic.org/calf-pain.",
            ((), "Mayo Clinic", "Calf pain", None, None, None, "https://www.mayoclinic.org/calf-pain"),
        ),
        (
            "Smith AB, Doe C, et al. A trial of rest. Lancet. 2001;357:1-9. doi:10.1016/abc.123.",
            (
                ("Smith AB", "Doe C"),
                None,
                "A trial of rest",
                "Lancet",
                2001,
                "10.1016/abc.123",
                "https://doi.org/10.1016/abc.123",
            ),
        ),
        ("Smith J. Knee pain. 2019.", (("Smith J",), None, "Knee pain", None, 2019, None, None)),
        (
            "National Health Services.Anticoagulent medicines.",
            ((), "National Health Services", "Anticoagulent medicines", None, None, None, None),
        ),
        ("Knee pain and you.", ((), None, "Knee pain and you", None, None, None, None)),
        (
            "doi:10.1155/2017/6981047",
            ((), None, "", None, None, "10.1155/2017/6981047", "https://doi.org/10.1155/2017/6981047"),
        ),
        (
            "Doe J. Heel pain. https://doi.org/10.1000/xyz",
            (("Doe J",), None, "Heel pain", None, None, "10.1000/xyz", "https://doi.org/10.1000/xyz"),
        ),
    ],
)
def test_single_entries(text, expected):
    (ref,) = parse_references("d", lines_of(text))
    assert (ref.authors, ref.organization, ref.title, ref.venue, ref.year, ref.doi, ref.url) == expected


@pytest.mark.parametrize(
    ("texts", "sizes"),
    [
        # a DOI-only line joins an article without a DOI, not a web page
        (["Smith J. A study. J Med. 2001;2(3):4-5.", "doi:10.1000/abc"], [2]),
        (["Mayo Clinic.Calf pain.", "doi:10.1000/abc"], [1, 1]),
        # a URL-only line joins any entry without a URL or DOI
        (["Mayo Clinic.Calf pain.", "https://mayo.example/calf"], [2]),
        (["Smith J. A study. J Med. 2001. doi:10.1000/x", "https://x.example"], [1, 1]),
        # a date tail never joins an entry that already has its year
        (["Smith J. A study. J Med. 2001;2(3):4-5.", "2002;3(1):1-2."], [1, 1]),
        (["Smith J.A study.J Med.", "2002;3(1):1-2."], [2]),
    ],
)
def test_continuation_lines_join_only_incomplete_entries(texts, sizes):
    refs = parse_references("d", lines_of(*texts))
    line_spans = lines_of(*texts)
    ends, k = [], 0
    for size in sizes:
        k += size
        ends.append(line_spans[k - 1].source.end)
    assert [r.source.end for r in refs] == ends


def test_parse_fields_doi_with_trailing_period_and_date():
    f = parse_fields("Doe J. Title. J Med. 2020 Jan 5;12(3):e123. doi:10.1000/j.med.2020.1.")
    assert (f.segments, f.date, f.year, f.details, f.doi) == (
        ("Doe J", "Title", "J Med"),
        "2020 Jan 5",
        2020,
        "12(3):e123",
        "10.1000/j.med.2020.1",
    )
