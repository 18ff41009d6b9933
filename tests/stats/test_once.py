"""Statistics are written once, in weakspot/stats: no other module may carry a second copy.

The scan reads every module of the package outside weakspot/stats with its strings and comments
blanked (so a docstring may name a test) and looks for the telltales of each formula: the scipy
distribution calls an exact test is made of, Wilson's ``z ** 2 / n`` terms, Holm's
``(m - rank) *`` multiplier. A hit names the file, the line and the weakspot.stats function to
call instead.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

import weakspot

PACKAGE = Path(weakspot.__file__).parent
STATS = PACKAGE / "stats"

# (pattern, what it gives away, what to call instead, a line it must catch)
TELLTALES = [
    (
        r"\bbinomtest\s*\(",
        "a binomial test (McNemar's exact test is one)",
        "mcnemar_p_value",
        "p = binomtest(fixed, fixed + broken, 0.5).pvalue",
    ),
    (
        r"\bproportion_ci\s*\(",
        "a binomial proportion interval",
        "wilson_interval",
        "ci = result.proportion_ci(method='wilson')",
    ),
    (
        r"\bhypergeom\s*\.",
        "a hypergeometric tail (the slice tests)",
        "excess_error_p_value / fewer_errors_p_value / significantly_better",
        "p = hypergeom.cdf(k, n, errors, size)",
    ),
    (
        r"\bbinom\s*\.\s*(?:cdf|sf|pmf|logsf|logcdf)\b",
        "a binomial tail",
        "mcnemar_p_value",
        "p = 2 * binom.cdf(k, n, 0.5)",
    ),
    (
        r"\bfisher_exact\s*\(",
        "Fisher's exact test",
        "excess_error_p_value / unpaired_worse_p_value",
        "fisher_exact(table, alternative='greater')",
    ),
    (
        r"\bnorm\s*\.\s*ppf\s*\(",
        "a normal quantile for an interval",
        "wilson_interval / paired_difference_interval",
        "z = norm.ppf(0.975)",
    ),
    (
        r"\bz\s*(?:\*\*\s*2|\*\s*z)\s*/",
        "Wilson's z ** 2 / n term",
        "wilson_interval",
        "centre = (p + z * z / (2 * n)) / (1 + z**2 / n)",
    ),
    (
        r"sqrt\(\s*\w+\s*\*\s*\(\s*1\s*-\s*\w+\s*\)",
        "a binomial standard error sqrt(p * (1 - p) ...)",
        "wilson_interval",
        "half = z * np.sqrt(p * (1 - p) / n)",
    ),
    (
        r"\(\s*m\s*-\s*[\w.()]+?\s*\)\s*\*|\*\s*\(\s*m\s*-\s*",
        "Holm's step-down multiplier (m - rank) * p",
        "holm",
        "running = max(running, min(1.0, (m - rank) * p[i]))",
    ),
    (
        r"\bfrom\s+scipy\.stats\s+import\b.*\b(?:binomtest|hypergeom|binom|fisher_exact|norm)\b",
        "an import of a distribution the exact tests are built from",
        "the function that needs it",
        "from scipy.stats import binomtest, norm",
    ),
]


def _pattern(fragment: str) -> str:
    """The one telltale whose pattern's example contains `fragment`."""
    (pattern,) = [t[0] for t in TELLTALES if fragment in t[3]]
    return pattern


def _code_lines(source: str) -> list[str]:
    """The source's lines with every string literal and comment replaced by spaces."""
    lines = [list(line) for line in source.splitlines()]
    blanked = {tokenize.STRING, tokenize.COMMENT}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in blanked:
            continue
        (row, col), (end_row, end_col) = token.start, token.end
        for r in range(row, end_row + 1):
            line = lines[r - 1]
            start = col if r == row else 0
            stop = end_col if r == end_row else len(line)
            line[start:stop] = " " * (stop - start)
    return ["".join(line) for line in lines]


def _hits(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(_code_lines(path.read_text(encoding="utf-8")), start=1):
        for pattern, what, instead, _ in TELLTALES:
            if re.search(pattern, line):
                found.append(
                    f"{path.relative_to(PACKAGE.parent)}:{number}: {what} "
                    f"(`{line.strip()}`); use {instead} from weakspot.stats instead"
                )
    return found


def test_no_statistic_is_written_outside_weakspot_stats():
    modules = sorted(p for p in PACKAGE.rglob("*.py") if STATS not in p.parents)
    assert len(modules) > 50  # the scan really reads the package
    hits = [hit for path in modules for hit in _hits(path)]
    assert not hits, "a second implementation of a statistic:\n" + "\n".join(hits)


@pytest.mark.parametrize(("pattern", "example"), [(t[0], t[3]) for t in TELLTALES])
def test_every_telltale_catches_its_example(pattern, example):
    assert re.search(pattern, example)


def test_the_holm_telltale_catches_the_vectorised_form_but_not_a_running_maximum():
    holm = _pattern("(m - rank)")
    assert re.search(holm, "adjusted = np.maximum.accumulate(p[order] * (m - np.arange(m)))")
    # a precision envelope (detection's average precision) is a running maximum, not Holm
    assert not re.search(holm, "pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]")


def test_the_scan_ignores_strings_and_comments_only(tmp_path):
    module = tmp_path / "planted.py"
    module.write_text(
        '"""Uses binomtest( in prose."""\n'
        "# hypergeom.cdf in a comment\n"
        "x = 1\n"
        "p = hypergeom.sf(k - 1, n, e, s)  # the real thing\n",
        encoding="utf-8",
    )
    lines = _code_lines(module.read_text(encoding="utf-8"))
    assert [i for i, line in enumerate(lines, 1) if re.search(_pattern("hypergeom.cdf"), line)] == [
        4
    ]
    assert not re.search(_pattern("binomtest(fixed"), lines[0])


def test_the_one_implementation_in_weakspot_stats_shows_the_telltales():
    # the patterns describe the code as written in weakspot/stats, so they cannot go stale
    stats_code = "\n".join(
        line for path in sorted(STATS.glob("*.py")) for line in _code_lines(path.read_text())
    )
    for pattern in (r"\bbinomtest\s*\(", r"\bhypergeom\s*\.", r"\bz\s*(?:\*\*\s*2|\*\s*z)\s*/"):
        assert re.search(pattern, stats_code)
    holm = _pattern("(m - rank)")
    assert re.search(holm, (STATS / "_paired.py").read_text())
