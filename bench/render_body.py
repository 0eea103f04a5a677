"""A comment's write-time render (Markdown, then bleach), before and after issue 15.

A comment is rendered once, when it is written (``comments.sanitize.sanitize_comment``);
pages print the stored HTML. This times that render for a 200-character and
a 10,000-character comment written with the formatting readers use (bold,
a link, a list, a quote, a spoiler, code), and the same texts through the
shorthand renderer Markdown replaced: the module as it was at revision
``BEFORE`` (read with ``git show``, so both are measured in the same run).
Without git history (a tarball), only the current renderer is measured.
No database is used. Run from the repository root::

    .venv/bin/python bench/render_body.py --sizes 200,10000
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import types
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

# The last revision with the hand-written shorthand renderer.
BEFORE = "b410758b2354d60fa4b6af2ab9bf081b9d45e36e"
SIZES = (200, 10_000)

# What readers write: a paragraph of prose with the usual marks, then a list,
# a quote and code. Repeated, and cut, to the size measured.
SAMPLE = (
    "Watched the **new trailer** three times: the saucer shot at 1:12 is *gorgeous*, "
    "and ||the bridge scene|| looks like a callback to @worf's favourite episode. "
    "Breakdown at [Memory Alpha](https://example.org/ma) and https://example.org/t.\n\n"
    "- the score\n- the ~~old~~ new uniforms\n- `warp 9.975`\n\n"
    "> Space: the final frontier\n\n"
)


def text_of(size: int) -> str:
    return (SAMPLE * (size // len(SAMPLE) + 1))[:size]


def before_module() -> types.ModuleType | None:
    """comments/sanitize.py as it was at BEFORE, as a module of its own (None without git)."""
    try:
        source = subprocess.run(  # noqa: S603 - git, fixed arguments
            ["git", "show", f"{BEFORE}:comments/sanitize.py"],  # noqa: S607 - fixed arguments
            cwd=common.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("sanitize_before")
    exec(compile(source, "sanitize_before.py", "exec"), module.__dict__)  # noqa: S102 - our own file
    return module


def measure(renders: dict, text: str, *, repeat: int, warmup: int) -> dict[str, dict]:
    """Each renderer's timings on ``text``, their renders taken in turns.

    In turns, not one after the other: this machine's speed drifts by a third
    within minutes, and the drift then falls on both alike.
    """
    mentions = {"worf": "/users/worf/"}
    samples: dict[str, list[float]] = {name: [] for name in renders}
    for turn in range(warmup + repeat):
        for name, render in renders.items():
            began = time.perf_counter()
            render(text, mentions=mentions)
            if turn >= warmup:
                samples[name].append(time.perf_counter() - began)
    return {name: common.timings(times) for name, times in samples.items()}


def main() -> None:
    parser = common.sized_arguments(
        __doc__, sizes=SIZES, repeat=200, warmup=20, measured="renders per size"
    )
    args = parser.parse_args()
    common.configure()
    import django

    from comments.sanitize import sanitize_comment

    common.emit(
        {
            "bench": "environment",
            "script": "render_body",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "revision": common._git_revision(),
            "cores": os.cpu_count(),
            "cpu": common._cpu_model(),
            "database": "not used",
            "cache": "not used",
            "python": platform.python_version(),
            "django": django.get_version(),
            "sizes": args.sizes,
            "repeat": args.repeat,
        }
    )
    before = before_module()
    if before is None:
        common.log(f"No git history with {BEFORE[:10]}: measuring the current renderer only.")
    renders = {"after": sanitize_comment}
    if before is not None:
        renders["before"] = before.sanitize_comment
    for size in args.sizes:
        text = text_of(size)
        timings = measure(renders, text, repeat=args.repeat, warmup=args.warmup)
        common.emit(
            {"bench": "render_body", "chars": len(text), "before": None}
            | {name: timings[name] for name in renders}
        )


if __name__ == "__main__":
    main()
