"""The code's shape, checked: no import cycle among our modules, no app module past 600 lines.

The layers themselves are import-linter contracts in ``pyproject.toml``
(``lint-imports``, run by ``make lint``); this adds what a contract can't say:
a cycle anywhere among first-party modules, imports inside functions included
(a deferred import dodges the interpreter, not the design), and modules that
have outgrown one room.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trekboard", "articles", "comments", "accounts")
MAX_LINES = 600


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_first_party_import_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    cycles = _cycles(graph)
    chains = []
    for group in cycles:
        first, rest = group[0], set(group[1:])
        for other in sorted(rest):
            there = graph.find_shortest_chain(importer=first, imported=other)
            back = graph.find_shortest_chain(importer=other, imported=first)
            chains.append(f"{' -> '.join(there or ())}  and back  {' -> '.join(back or ())}")
            break
    assert not cycles, "Import cycles:\n" + "\n".join(chains)


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y", "a.z"]]


def _app_modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


@pytest.mark.parametrize("path", _app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_app_module_is_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by topic"
