"""The JSON lines of a bench run as the Markdown tables of bench/README.md.

Reads the file named (default ``bench/results/latest.jsonl``, which ``make
bench`` writes) or stdin (``-``) and prints the "Latest figures" section::

    .venv/bin/python bench/report.py > /tmp/figures.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent / "results" / "latest.jsonl"


# A warm request's X-Page-Cache, as the article page table says it.
SERVED = {"hit": "page cache", "personal": "drawing"}


def _ms(value) -> str:
    return "" if value is None else f"{value:,.1f}"


def _kb(size) -> str:
    return "" if size is None else f"{size / 1000:,.1f}"


def _verdict(ok) -> str:
    return {True: "✅ met", False: "❌ missed", None: "not measured"}[ok]


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _details(line: dict) -> str:
    """The verdict's figures, short: scalars, and flat mappings as "key value" pairs.

    Nested figures (queries per variant and size) stay in the JSON lines.
    """
    parts = []
    for key, value in line.items():
        if key in {"target", "ok"}:
            continue
        if isinstance(value, dict):
            if all(not isinstance(item, dict | list) for item in value.values()):
                parts.append(f"{key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)


def report(lines: list[dict]) -> str:
    out: list[str] = []
    runs = [line for line in lines if line.get("bench") == "environment"]
    if runs:
        first = runs[0]
        revisions = sorted({str(run.get("revision")) for run in runs})
        out += [
            f"Measured {first['date'][:10]} on {first['cores']} cores ({first['cpu']}), "
            f"{first['database']}, cache: {first['cache']}; Python {first['python']}, "
            f"Django {first['django']}; revision {', '.join(revisions)}.",
            "",
        ]

    page = [line for line in lines if line.get("bench") == "article_page"]
    if page:
        out += [
            "**Article page** (in-process, ms; queries cold/warm; served: from the anonymous"
            " page cache, filled in from the process's drawing of the page for a signed-in"
            " reader, `comments/overlay.py`, or rendered)",
            "",
        ]
        out += _table(
            [
                "comments",
                "sort",
                "reader",
                "cache",
                "cold",
                "median",
                "p90",
                "queries",
                "served",
                "KB",
            ],
            [
                [
                    f"{line['comments']:,}",
                    line["sort"],
                    line["user"],
                    line["cache"],
                    _ms(line["cold_ms"]),
                    _ms(line["median_ms"]),
                    _ms(line["p90_ms"]),
                    f"{line['cold_queries']}/{line['queries']}",
                    SERVED.get(line.get("x_cache"), "rendered"),
                    f"{line['bytes'] / 1024:,.0f}",
                ]
                for line in page
            ],
        )

    replies = [line for line in lines if line.get("bench") == "reply"]
    if replies:
        out += ["**Posting a reply** (ms)", ""]
        out += _table(
            ["thread", "mode", "median", "p90", "fastest", "queries"],
            [
                [
                    f"{line['thread_comments']:,}",
                    line["mode"],
                    _ms(line["median_ms"]),
                    _ms(line["p90_ms"]),
                    _ms(line["min_ms"]),
                    line["queries"],
                ]
                for line in replies
            ],
        )

    loads = [line for line in lines if line.get("bench") == "load"]
    if loads:
        tools = sorted({line["tool"] for line in loads})
        out += [
            f"**Under load** (gunicorn, {loads[0]['connections']} connections, "
            f"{loads[0]['seconds']:g} s each, {', '.join(tools)})",
            "",
        ]
        out += _table(
            ["page", "reader", "req/s", "p50 ms", "p99 ms", "errors"],
            [
                [
                    f"{line['page']} (`{line['path'].split('?')[0]}`)",
                    line["user"],
                    f"{line['requests_per_second']:,.1f}",
                    _ms(line["p50_ms"]),
                    _ms(line["p99_ms"]),
                    line["non_2xx"] + line["socket_errors"],
                ]
                for line in loads
            ],
        )

    searches = [line for line in lines if line.get("bench") == "search"]
    if searches:
        out += [f"**Search** (`/search/`, {searches[0]['comments']:,} comments)", ""]
        out += _table(
            ["kind", "query", "matches", "median ms", "p90 ms", "queries"],
            [
                [
                    line["kind"],
                    f"`{line['query']}`",
                    f"{line.get('matches', line['found']):,}",
                    _ms(line["median_ms"]),
                    _ms(line["p90_ms"]),
                    line["queries"],
                ]
                for line in searches
            ],
        )

    imports = [line for line in lines if line.get("bench") == "import_wordpress"]
    if imports:
        out += ["**WordPress import**", ""]
        out += _table(
            ["comments", "seconds", "comments/s", "peak RSS MB", "tree violations"],
            [
                [
                    f"{line['comments']:,}",
                    f"{line['seconds']:,.1f}",
                    f"{line['comments_per_second']:,}",
                    line["peak_rss_mb"],
                    line["violations"],
                ]
                for line in imports
            ],
        )

    weights = [line for line in lines if line.get("bench") == "page_weight"]
    if weights:
        out += [
            f"**What readers download** (`{weights[0]['path']}` in Chromium, "
            f"{weights[0]['viewport']}, empty cache; KB on the wire, headers included)",
            "",
        ]
        out += _table(
            [
                "reader",
                "compression",
                "requests",
                "total KB",
                "HTML KB sent (decoded)",
                "CSS KB",
                "JS KB",
                "images KB",
            ],
            [
                [
                    line["user"],
                    line["compression"],
                    line["requests"],
                    _kb(line["bytes"]),
                    f"{_kb(line['html_bytes'])} {line['html_encoding']} "
                    f"({_kb(line['html_decoded_bytes'])})",
                    *(
                        _kb(line["by_kind"].get(kind, {}).get("bytes", 0))
                        for kind in ("css", "js", "images")
                    ),
                ]
                for line in weights
            ],
        )

    peers = [line for line in lines if line.get("bench") == "vs_peers" and "variant" in line]
    if peers:
        out += [
            "**Beside django-comments-xtd** (the same discussions, measured in this run; "
            "the peer's page is anonymous, uncached: its only kind; Trekboard's time is the "
            "mean of its medians measured before and after the peer)",
            "",
        ]
        out += _table(
            [
                "comments",
                "Trekboard page",
                "Trekboard ms (queries)",
                "before / after",
                "xtd ms (queries)",
                "ratio",
            ],
            [
                [
                    f"{line['comments']:,}",
                    line["variant"],
                    f"{_ms(line['trekboard_ms'])} ({line['trekboard_queries']})",
                    _before_after(line),
                    "not run"
                    if line["peer_ms"] is None
                    else f"{_ms(line['peer_ms'])} ({line['peer_queries']})",
                    "" if line["ratio"] is None else f"{line['ratio']}x",
                ]
                for line in peers
            ],
        )

    renders = [line for line in lines if line.get("bench") == "render_body"]
    if renders:
        out += [
            "**Writing a comment** (its one render, at write time: Markdown and bleach now,"
            " the shorthand renderer before; median ms, p90 in brackets)",
            "",
        ]
        out += _table(
            ["characters", "now", "before Markdown"],
            [
                [
                    f"{line['chars']:,}",
                    f"{_ms(line['after']['median_ms'])} ({_ms(line['after']['p90_ms'])})",
                    "not measured"
                    if line["before"] is None
                    else f"{_ms(line['before']['median_ms'])} ({_ms(line['before']['p90_ms'])})",
                ]
                for line in renders
            ],
        )

    verdicts = [line for line in lines if "target" in line]
    if verdicts:
        out += ["**Targets**", ""]
        out += _table(
            ["target", "verdict", "figures"],
            [[f"`{line['target']}`", _verdict(line["ok"]), _details(line)] for line in verdicts],
        )
    return "\n".join(out)


def _before_after(line: dict) -> str:
    """Trekboard's two medians of a vs_peers line (older result files have one)."""
    if line.get("trekboard_ms_before") is None:
        return ""
    return f"{_ms(line['trekboard_ms_before'])} / {_ms(line['trekboard_ms_after'])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT), help="JSON lines, or - for stdin")
    args = parser.parse_args()
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    print(report(lines))


if __name__ == "__main__":
    main()
