"""Hostile strings in column names and values, through every output: the terminal (no escape
sequence, no rich markup read), summary.md (no HTML, link, image or broken table row),
analysis.json (the exact value) and report.html (parsed: no script, no event handler)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from tests.conftest import planted_table
from tests.hardening.conftest import run
from weakspot.cli._console import clean, plain, say_line
from weakspot.report._markdown import literal, prose

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click](https://evil.example)",
    "![x](https://evil.example/x.png)",
    "a|b|c",
    "line1\nline2\r\n| x |",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "\x1b[2J\x1b[Hcleared",
    "[/x] [bold]markup[/bold]",
    "`code` ``` fence",
    "@everyone #1 :smile: **bold** _it_ ~~s~~",
    "\u202eevil\u2066",
    "https://evil.example www.evil.example",
    "\u200fright-to-left\u200e mark",
]
MARKDOWN = MarkdownIt("commonmark").enable("table")
FORBIDDEN_TOKENS = {"html_inline", "html_block", "link_open", "image", "em_open", "strong_open"}


def _tokens(text: str):
    for token in MARKDOWN.parse(text):
        yield token
        yield from token.children or []


def _cells(text: str) -> list[list[str]]:
    """The table rows of a Markdown document, as the text of each cell's tokens."""
    rows, row = [], None
    tokens = list(MARKDOWN.parse(text))
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(row)
        elif (
            token.type == "inline"
            and row is not None
            and tokens[i - 1].type in ("td_open", "th_open")
        ):
            row.append("".join(c.content for c in token.children or []))
    return rows


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def _table_with(values: list[str]) -> tuple:
    frame = planted_table(0, n=1200)
    site = {"A": values[0], "B": values[1], "C": values[2], "D": values[3]}
    frame["site"] = frame["site"].map(site)
    frame = frame.rename(columns={"device": values[0] + " dev"})
    return frame, site["B"]


GROUPS = [HOSTILE[i : i + 4] for i in range(0, 12, 4)] + [[*HOSTILE[12:], "B2", "C2"]]


@pytest.mark.parametrize("values", GROUPS, ids=[f"group{i}" for i in range(len(GROUPS))])
def test_hostile_values_through_every_output(tmp_path: Path, values: list[str]) -> None:
    frame, planted = _table_with(values)
    frame.to_csv(tmp_path / "p.csv", index=False)
    sensitive = values[0] + " dev"
    result = run(["analyze", tmp_path / "p.csv", "--out", tmp_path / "o", "--sensitive", sensitive])
    assert result.exit_code == 0, result.output
    output = result.output
    assert not any(c in output for c in "\x1b\x07\u202e\u2066"), repr(output)
    doc = json.loads((tmp_path / "o" / "analysis.json").read_text(encoding="utf-8"))
    predicate = doc["slices"][0]["predicate"]
    site_values = [
        v for c in predicate if c["feature"] == "site" for v in c.get("values") or [c.get("value")]
    ]
    assert planted in site_values  # the exact value, not an escaped copy
    first_word = clean(planted).split()[0][:5]
    assert first_word in output

    summary = (tmp_path / "o" / "summary.md").read_text(encoding="utf-8")
    assert not FORBIDDEN_TOKENS & {t.type for t in _tokens(summary)}
    rows = _cells(summary)
    assert rows and all(len(r) == len(rows[0]) for r in rows if len(r) == len(rows[0])), rows
    for row in rows:
        assert len(row) in (4, 7), row  # the sensitive table, the slice table

    parser = _Tags()
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    parser.feed(html)
    # the only scripts are the report's own: its interaction code and its JSON data blocks
    scripts = [dict(attrs) for tag, attrs in parser.tags if tag == "script"]
    own_code = [a for a in scripts if not a]
    assert len(own_code) == 1 and html.count("<script>") == 1
    assert all(a.get("type") == "application/json" for a in scripts if a)
    assert not [name for _, attrs in parser.tags for name, _ in attrs if name.startswith("on")]
    assert not [
        v
        for tag, attrs in parser.tags
        if tag == "img"
        for n, v in attrs
        if n == "src" and not str(v).startswith("data:image/png;base64,")
    ]


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_a_markdown_literal_shows_its_text_and_nothing_else(text: str) -> None:
    cell = literal(text)
    document = f"| a | b |\n|---|---|\n| {cell} | x |\n"
    tokens = list(_tokens(document))
    assert not FORBIDDEN_TOKENS & {t.type for t in tokens}
    assert [len(r) for r in _cells(document)] == [2, 2]
    codes = [t.content for t in tokens if t.type == "code_inline"]
    if cell.startswith("`"):
        assert len(codes) == 1
        assert " ".join(codes[0].split()) == _visible(text)
    else:
        assert cell in ("(empty)", "(blank)") and not _visible(text)


def _visible(text: str) -> str:
    """What a reader should see of `text`: breaks as spaces, controls and bidi marks gone."""
    for br in "\r\n\v\f\x85\u2028\u2029":
        text = text.replace(br, " ")
    bidi = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    kept = [
        c for c in text if not ((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) < 0xA0 or c in bidi)
    ]
    return " ".join("".join(kept).split())


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
@settings(max_examples=300, deadline=None)
def test_the_terminal_never_gets_a_control_character_or_reads_markup(text: str) -> None:
    console = Console(record=True, width=200, color_system=None, force_terminal=False)
    say_line(console, "error:", "red", "[/x] [bold]b[/] " + text)
    shown = console.export_text()
    assert not [c for c in shown if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]
    assert shown.startswith("error: [/x] [bold]b[/]")
    assert plain(text).plain == clean(text)


def test_clean_removes_whole_escape_sequences() -> None:
    assert clean("\x1b]8;;https://evil.example\x07link\x1b]8;;\x07") == "link"
    assert clean("\x1b[2J\x1b[Hcleared\x1b[31m red\x1b[0m") == "cleared red"
    assert clean("tab\tand\nnewline\x00\x9b31m") == "tab\tand\nnewline"


def test_a_markdown_literal_in_a_table_escapes_the_pipe() -> None:
    assert literal("a|b") == "`a\\|b`"
    assert literal("x `y` z") == "``x `y` z``"
    assert literal("`") == "`` ` ``"
    assert literal("") == "(empty)"
    assert literal("one\ntwo") == "`one two`"


def test_json_keeps_hostile_values_exact() -> None:
    import weakspot

    frame, planted = _table_with(HOSTILE[4:8])
    doc = weakspot.analyze(frame).to_dict()
    text = json.dumps(doc, ensure_ascii=False)
    assert json.loads(text) == doc
    groups = [f[k] for f in doc["disaggregated"]["features"] for k in ("best_group", "worst_group")]
    assert any(planted in g for g in groups) or any(
        c.get("value") == planted or planted in (c.get("values") or [])
        for s in doc["slices"]
        for c in s["predicate"]
    )


# GitHub links these in rendered text (not in code spans): a mention notifies the account, a
# reference links (and notifies) an issue
_LIVE_REFERENCE = re.compile(r"(?<![\w`])(@[A-Za-z0-9]|#[0-9]|GH-[0-9])")


def _live_references(markdown: str) -> list[str]:
    """Mentions and issue references that GitHub would link in `markdown`'s rendered text."""
    texts = [t.content for t in _tokens(markdown) if t.type == "text"]
    return [m[0] for text in texts for m in _LIVE_REFERENCE.finditer(text)]


def test_mentions_and_issue_references_in_values_stay_inert_in_the_summary(tmp_path: Path):
    frame = planted_table(1, n=2000)
    planted = frame["site"].iloc[0]  # the planted failure's site
    frame["site"] = frame["site"].map(lambda s: "@octocat" if s == planted else f"{s} #123 GH-7")
    frame.to_csv(tmp_path / "p.csv", index=False)
    result = run(["analyze", tmp_path / "p.csv", "--out", tmp_path / "o"])
    assert result.exit_code == 0, result.output
    summary = (tmp_path / "o" / "summary.md").read_text(encoding="utf-8")
    assert "site == @\u200boctocat" in summary  # in a sentence, outside any code span
    assert "`site == @octocat and age >= 60`" in summary  # a code span keeps the exact text
    assert _live_references(summary) == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("@octocat and @org/team", "@\u200boctocat and @\u200borg/team"),
        ("see #123, GH-45 and x#7", "see \\#\u200b123, GH-\u200b45 and x\\#\u200b7"),
        ("mail a@b.c, # 1, @ 2", "mail a@\u200bb.c, \\# 1, @ 2"),
    ],
)
def test_prose_breaks_mentions_and_references(text: str, shown: str) -> None:
    assert prose(text) == shown
    assert _live_references(prose(text)) == []
