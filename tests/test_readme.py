"""The README documents every setting exactly as qa.settings declares it, and the two Quickstart commands."""

from qa.settings import SETTINGS, markdown_table


def test_settings_table_is_the_generated_one(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
    for s in SETTINGS:
        assert f"`{s.env}`" in readme


def test_quickstart_is_make_run_and_make_test(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quick.strip().splitlines()] == ["make run", "make test"]
