"""How long does each chapter take?  Every book/*.ipynb as a reader's "Restart and run all".

Each notebook runs in a fresh kernel (nbconvert's ``ExecutePreprocessor``, the kernel
of this interpreter) inside a temporary copy of ``book/``, so the committed notebooks
are never touched; the time is the wall clock from starting the kernel to the end of
the last cell (kernel start-up and TensorFlow's import included).  Chapters run one
after another, in ``_toc.yml`` order (then any notebook the TOC does not list).

    flock /tmp/heavy.lock .venv/bin/python benchmarks/chapters.py --readme README.md

With ``--readme`` the table is written into README.md between the ``chapters:start`` /
``chapters:end`` marker comments, keeping each chapter's "what it shows" text.  Budget
(issue 18): each chapter <= 60 s, the whole book <= 120 s on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _readme import write_between  # noqa: E402 - the scripts' folder, put on the path above

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKERS = ("<!-- chapters:start -->", "<!-- chapters:end -->")
BUDGET_CHAPTER, BUDGET_BOOK = 60.0, 120.0

for name, value in {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
                    "JUPYTER_PLATFORM_DIRS": "1", "PYTHONDONTWRITEBYTECODE": "1"}.items():
    os.environ.setdefault(name, value)


def chapters():
    """Notebook stems in the TOC's order, then those the TOC does not list."""
    listed = re.findall(r"file:\s*book/([\w-]+)", (ROOT / "_toc.yml").read_text())
    notebooks = sorted(path.stem for path in (ROOT / "book").glob("*.ipynb"))
    return [name for name in listed if name in notebooks] + [
        name for name in notebooks if name not in listed]


def run_chapter(book_copy, name, timeout):
    """Seconds for a fresh-kernel run of every cell of ``name``, or the error's first line."""
    import nbformat
    from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor

    path = book_copy / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    executor = ExecutePreprocessor(timeout=timeout, kernel_name="python3")
    start = time.perf_counter()
    try:
        executor.preprocess(notebook, {"metadata": {"path": str(book_copy)}})
    except CellExecutionError as error:
        return time.perf_counter() - start, str(error).strip().splitlines()[-1][:120]
    return time.perf_counter() - start, None


FLOOR_SOURCE = "import lossguide as lg\n\ninfo = lg.setup(seed=0)"


def floor_seconds(book_copy, timeout, repeats=3):
    """Median seconds of a fresh-kernel run of a notebook holding only every chapter's first cell.

    Kernel start-up, TensorFlow's and Keras's import and ``lg.setup``: what each
    chapter pays before a cell of its own.
    """
    import statistics

    import nbformat

    path = book_copy / "_floor.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_SOURCE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)
    times = []
    for _ in range(repeats):
        seconds, error = run_chapter(book_copy, "_floor", timeout)
        if error:
            raise SystemExit(f"the floor notebook failed: {error}")
        times.append(seconds)
    path.unlink()
    return statistics.median(times)


def descriptions(readme_text):
    """``{chapter: what it shows}`` from the README's current chapter table."""
    start, end = MARKERS
    if start in readme_text and end in readme_text:
        readme_text = readme_text.split(start, 1)[1].split(end, 1)[0]
    found = {}
    for line in readme_text.splitlines():
        match = re.match(r"\|\s*`([\w-]+)`\s*\|(.*?)\|", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def title(book_copy, name):
    import nbformat

    notebook = nbformat.read(book_copy / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def table(rows, known, command, book_copy, floor=None):
    lines = ["| chapter (`book/`) | what it shows | Restart and run all |", "|---|---|---|"]
    total = 0.0
    for name, seconds, error in rows:
        total += seconds
        shown = f"{seconds:.0f} s" if error is None else f"failed after {seconds:.0f} s: {error}"
        over = " (over the 60 s budget)" if error is None and seconds > BUDGET_CHAPTER else ""
        lines.append(f"| `{name}` | {known.get(name) or title(book_copy, name)} | {shown}{over} |")
    lines.append(f"| **all {len(rows)} chapters** | one after another | **{total:.0f} s** |")
    import platform

    lines.append("")
    lines.append(
        f"Times: wall clock of a fresh-kernel \"Restart and run all\" of each chapter (kernel "
        f"start and TensorFlow's import included), one chapter after another, measured "
        f"{datetime.date.today().isoformat()} on {os.cpu_count()} CPUs ({platform.machine()}, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end). Budget: "
        f"≤ {BUDGET_CHAPTER:.0f} s per chapter, ≤ {BUDGET_BOOK:.0f} s for the book. Produced by "
        f"`{command}`; the same kind of shared machine varies by up to a factor of 1.5 from day "
        "to day, so compare times of one run only.")
    if floor is not None:
        lines.append("")
        lines.append(
            f"The floor: a notebook holding only the chapters' first cell (`import lossguide as "
            f"lg; lg.setup(seed=0)`: kernel start, TensorFlow's import, the seeds) takes "
            f"{floor:.1f} s (median of 3, same run), so {len(rows)} chapters cost "
            f"{len(rows) * floor:.0f} s of the {BUDGET_BOOK:.0f} s budget before any cell of "
            "their own.")
    return "\n".join(lines), total




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="chapter stems to time (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--readme", type=pathlib.Path,
                        help="write the table into this README (all chapters only)")
    args = parser.parse_args()
    names = chapters() if not args.only else args.only
    readme = args.readme or ROOT / "README.md"
    known = descriptions(readme.read_text()) if readme.exists() else {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="lossguide-chapters-") as temporary:
        book_copy = pathlib.Path(temporary) / "book"
        shutil.copytree(ROOT / "book", book_copy)
        for name in names:
            seconds, error = run_chapter(book_copy, name, args.timeout)
            rows.append((name, seconds, error))
            print(f"{name:28s} {seconds:6.1f} s" + (f"  FAILED: {error}" if error else ""),
                  flush=True)
        floor = floor_seconds(book_copy, args.timeout)
        print(f"{'(floor: first cell only)':28s} {floor:6.1f} s", flush=True)
        command = " ".join(["python benchmarks/chapters.py", *sys.argv[1:]])
        text, total = table(rows, known, command, book_copy, floor)
    print(f"\n{text}")
    if args.readme:
        if args.only:
            raise SystemExit("--readme writes the whole book's table: drop --only")
        write_between(pathlib.Path(args.readme), MARKERS, text)
        print(f"\nwritten into {args.readme}")
    failed = [name for name, _, error in rows if error]
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
