"""eval/report.py: one table over every set, the sets it knows, bad arguments, a real run over the seed."""

import pytest

from eval import report


def test_the_table_has_one_row_per_set_with_its_figures():
    reports = {
        "seed": {"questions": 21, "hit@1": 0.6875, "hit@3": 0.875, "answer@1": 0.6875, "abstention": 1.0,
                 "false_abstention": 0.0},
        "sqlite": {"questions": 76, "hit@1": 0.16, "hit@3": 0.3, "answer@1": 0.12, "abstention": 0.32,
                   "false_abstention": 0.04, "chrome": {"passages": 9, "chrome_share": 0.0956, "top_share": 0.057}},
        "python": {"chrome": {"passages": 40156, "chrome_share": 0.1586}},
        "scifact": {"queries": 300, "engine_ndcg@10": 0.6952, "path_ndcg@10": 0.6811},
        "abstain": {"queries": 300, "hit@3": 0.8, "abstention": 0.5, "false_abstention": 0.1, "unanswerable": 110},
        "linkdamage": {"damaged": 1998, "intact": 2000, "restored": 0.1266, "unchanged": 1.0},
    }  # fmt: skip
    lines = report.table(reports).splitlines()
    assert lines[0].split() == report.HEADS
    assert [line.split() for line in lines[1:4]] == [
        ["seed", "21", "0.69", "0.88", "0.69", "1.00", "0.00", "-", "-"],
        ["sqlite", "76", "0.16", "0.30", "0.12", "0.32", "0.04", "9.6%", "5.7%"],
        ["python", "40156", "-", "-", "-", "-", "-", "15.9%", "-"],
    ]
    assert lines[4].split()[:4] == ["scifact", "300", "-", "-"] and "path 0.6811, engine 0.6952" in lines[4]
    assert lines[5].split()[:7] == ["abstain", "300", "-", "0.80", "-", "0.50", "0.10"]
    assert lines[6].endswith("restored 12.66%, intact unchanged 100.00%")


def test_every_set_has_a_runner():
    assert list(report.runners()) == list(report.SETS)


def test_an_unknown_set_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        report.main(["--only", "seed,nope"])
    assert exc.value.code == 2 and "unknown set(s) nope" in capsys.readouterr().err


@pytest.mark.shared
def test_a_real_run_over_the_seed_writes_json(shared, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_SEMANTIC", "off")
    monkeypatch.setattr(report, "_work", lambda name: tmp_path / name)
    assert report.main(["--only", "seed", "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == report.HEADS and out[2].split()[:2] == ["seed", "21"]
    assert '"seed"' in (tmp_path / "r.json").read_text()
