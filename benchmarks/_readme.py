"""Write a benchmark's table into README.md between two marker comments (shared by the scripts)."""

from __future__ import annotations

import pathlib


def write_between(path: pathlib.Path, markers: tuple[str, str], text: str) -> None:
    """Replace what lies between ``markers[0]`` and ``markers[1]`` in ``path`` with ``text``."""
    content = path.read_text()
    start, end = markers
    if start not in content or end not in content:
        raise SystemExit(f"{path} has no {start} ... {end} markers to write between")
    head, rest = content.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{text}\n{end}{tail}")
