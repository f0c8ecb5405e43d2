"""Do two pytest workers make ``make test``'s two longest steps faster on this machine?

Times step 1 (pytest over ``tests/`` and the doctests) and step 2 (nbval over every
chapter) of ``make test`` run in one process after another: once serially and once over
two pytest-xdist workers (``-n 2``; for nbval ``--dist loadfile``, so one notebook is one
kernel on one worker and its cells still run in order). Each command runs from the
repository root with this interpreter; with ``--lock FILE`` each one first takes an
exclusive ``flock`` on FILE, so other heavy jobs on a shared machine wait between, not
during, the runs. nbval compares every cell with its committed output, so a passing run
with two workers is also the check that outputs stay identical.

    .venv/bin/python benchmarks/test_steps.py --lock /tmp/heavy.lock --readme README.md

With ``--readme`` the table goes into README.md between the ``teststeps:start`` /
``teststeps:end`` marker comments.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import os
import pathlib
import platform
import re
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _readme import write_between  # noqa: E402 - the scripts' folder, put on the path above

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKERS = ("<!-- teststeps:start -->", "<!-- teststeps:end -->")
ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
               "JUPYTER_PLATFORM_DIRS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
STEPS = {
    "1 pytest (tests/, doctests)": [
        "tests", "--doctest-modules", "lossguide", "--ignore=tests/test_pdf.py"],
    "2 nbval (every chapter)": ["--nbval", "--nbval-current-env", "book"],
}
WORKERS = {"serial": [], "2 workers": ["-n", "2", "--dist", "loadfile"]}


@contextlib.contextmanager
def locked(path):
    if path is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def timed(arguments, lock):
    """(seconds, pytest's summary line, exit code) of one pytest command."""
    with locked(lock):
        start = time.perf_counter()
        done = subprocess.run([*PYTEST, *arguments], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, **ENVIRONMENT})
        seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    summary = lines[-1].strip("= ") if lines else done.stdout.strip().splitlines()[-1:]
    return seconds, re.sub(r" in [\d.]+s.*$", "", str(summary)), done.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", help="flock this file around each command")
    parser.add_argument("--readme", type=pathlib.Path, help="write the table into this README")
    parser.add_argument("--only", choices=list(STEPS), nargs="*", help="steps to time")
    args = parser.parse_args()
    rows = []
    for step in args.only or STEPS:
        seconds = {}
        for workers, extra in WORKERS.items():
            seconds[workers], summary, code = timed([*STEPS[step], *extra], args.lock)
            print(f"{step:30s} {workers:10s} {seconds[workers]:7.1f} s  exit {code}  {summary}",
                  flush=True)
            rows.append((step, workers, seconds[workers], summary, code))
    lines = ["| `make test` step | run | seconds | pytest says |", "|---|---|---|---|"]
    for step, workers, seconds, summary, code in rows:
        lines.append(f"| {step} | {workers} | {seconds:.0f} |"
                     f" {summary}{'' if code == 0 else f' (exit {code})'} |")
    ratios = []
    for step in args.only or STEPS:
        by = {w: s for st, w, s, _, _ in rows if st == step}
        ratios.append(f"{step.split(' ', 1)[1]}: two workers take "
                      f"{by['2 workers'] / by['serial']:.2f} × the serial time")
    lines += ["", "; ".join(ratios) + ". Measured "
              f"{datetime.date.today().isoformat()} on {os.cpu_count()} CPUs "
              f"({platform.machine()}), one command after another"
              f"{', each holding the lock ' + repr(args.lock) + ' that the heavy jobs on this machine share' if args.lock else ''} "
              f"(load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end). "
              f"Produced by `python benchmarks/test_steps.py {' '.join(sys.argv[1:])}`."]
    text = "\n".join(lines)
    print(f"\n{text}")
    if args.readme:
        write_between(args.readme, MARKERS, text)
    return 0 if all(code == 0 for *_, code in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
