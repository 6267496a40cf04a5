"""Progress per stage: log lines off a terminal (start, every few seconds, end), bars on one, and `qa build`."""

import io

import pytest
from click.testing import CliRunner
from conftest import write_corpus

from qa.cli import main
from qa.util import progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_log_lines_at_the_start_every_interval_and_at_the_end():
    out, clock = io.StringIO(), Clock()
    report = progress.LogLines(out, interval=5.0, clock=clock)
    for t, done in [(0, 0), (1, 10), (4.9, 40), (5.0, 50), (7, 70), (10.5, 90), (12, 100), (13, 100)]:
        clock.now = 100.0 + t
        report("vectors", done, 100)
    assert out.getvalue().splitlines() == [
        "progress vectors 0/100 (0.0%)",
        "progress vectors 50/100 (50.0%), 10.0 vectors/s, ETA 5s",
        "progress vectors 90/100 (90.0%), 8.6 vectors/s, ETA 1s",
        "progress vectors 100/100 (100.0%) done in 12s",
    ]


def test_each_stage_has_its_own_lines_and_work_reused_is_not_counted_in_the_rate():
    out, clock = io.StringIO(), Clock()
    report = progress.LogLines(out, interval=5.0, clock=clock)
    report("files", 300, 317)
    report("passages", 0, 40_156)
    clock.now += 6
    report("files", 312, 317)
    report("passages", 12_000, 40_156)
    clock.now += 1
    report("files", 317, 317)
    assert out.getvalue().splitlines() == [
        "progress files 300/317 (94.6%) (300 reused)",
        "progress passages 0/40,156 (0.0%)",
        "progress files 312/317 (98.4%), 2.0 files/s, ETA 2s",
        "progress passages 12,000/40,156 (29.9%), 2,000.0 passages/s, ETA 14s",
        "progress files 317/317 (100.0%) done in 7s (300 reused)",
    ]


@pytest.mark.parametrize(("seconds", "shown"), [(0.4, "0s"), (42, "42s"), (185, "3m05s"), (3720, "1h02m"), (-3, "0s")])
def test_durations_are_short(seconds, shown):
    assert progress.duration(seconds) == shown


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_closes_at_100_percent_when_its_stage_ends():
    out = Terminal()
    bars = progress.Bars(out)
    bars("passages", 0, 40)
    bars("passages", 39, 40)
    bars("passages", 40, 40)
    assert bars.bars["passages"].disable is True  # closed: no bar left behind at 97 %
    bars("vectors", 5, 10)
    bars.close()
    shown = out.getvalue()
    assert "passages: 100%" in shown and "40/40" in shown and "vectors:  50%" in shown


@pytest.mark.parametrize(
    ("stream", "enabled", "kind"),
    [(Terminal(), None, progress.Bars), (io.StringIO(), None, progress.LogLines), (Terminal(), True, progress.Bars)],
)
def test_bars_on_a_terminal_lines_elsewhere(stream, enabled, kind):
    assert isinstance(progress.for_stream(stream, enabled), kind)


def test_no_progress_is_silent():
    assert progress.for_stream(Terminal(), False) is progress.silent


def test_qa_build_off_a_terminal_prints_progress_lines_per_stage(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    result = CliRunner().invoke(main, ["build", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress ")]
    assert lines[0] == "progress files 0/2 (0.0%)"
    assert [line.split(" (")[0] for line in lines[:-1] if "done in" in line] == [
        "progress files 2/2",
        "progress cleaning 2/2",
        "progress passages 8/8",
        "progress vectors 11/11",  # 8 passages and 3 heading paths
    ]
    assert result.stdout.startswith("built index ") and lines[-1].endswith(" (this process)")
    assert lines[-1].startswith("progress build done in ")
    quiet = CliRunner().invoke(
        main, ["build", "--no-progress", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    )
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_qa_build_says_where_the_work_ran(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    args = ["build", "--workers", "2", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.rstrip().splitlines()[-1].endswith(" (2 local processes)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "-1"], "Invalid value for '--workers': -1 is not in the range x>=0."),
        (["--scheduler", "tcp://127.0.0.1:9"], "error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: "),
    ],
)
def test_qa_build_bad_worker_options(tmp_path, args, message, monkeypatch):
    monkeypatch.setattr("qa.util.workers.CONNECT_SECONDS", 1.0)
    corpus = write_corpus(tmp_path / "corpus")
    index = str(tmp_path / "ix")  # never the working folder
    result = CliRunner().invoke(main, ["build", "--no-progress", *args, "--corpus", str(corpus), "--index", index])
    assert result.exit_code == 2
    assert message in result.output
