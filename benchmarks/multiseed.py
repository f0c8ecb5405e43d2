"""How much do many seeds cost?  The tutorial's nine experiments, the plain way and the engine's.

(a) the plain tutorial way: one ``Sequential.fit`` per experiment on NumPy arrays,
    test-set validation every epoch, **one seed**;
(b) ``lossguide.experiments.run`` with 10 seeds per experiment, one call per
    experiment as the chapters make them: *cold* (the graph cache emptied first,
    so every graph is traced) and *warm* (the graphs already traced);
(c) ``lossguide.experiments.run_grid`` of the nine experiments at four learning
    rates, 10 seeds each (360 networks), cold and warm, against (b).

All in float64, in one process, after TensorFlow is imported; every figure is the
median of ``--repeats`` runs.  Prints a table (and, with ``--readme``, writes it into
README.md between the ``benchmark:start`` / ``benchmark:end`` marker comments).

    flock /tmp/heavy.lock .venv/bin/python benchmarks/multiseed.py --readme README.md

A script, not a test: it takes about ten minutes (mostly part (a)) and its numbers
depend on the load of the machine; compare figures of one run only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import resource
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _readme import write_between  # noqa: E402 - the scripts' folder, put on the path above

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# The repository's package, whether or not it is installed.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

RATES = (0.003, 0.01, 0.03, 0.1)
MARKERS = ("<!-- benchmark:start -->", "<!-- benchmark:end -->")


def peak_memory_mb():
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_keras(names):
    """The tutorial's own loop: fresh Sequential, compile, fit with validation; seconds."""
    from lossguide import experiments

    start = time.perf_counter()
    for name in names:
        experiment = experiments.get(name)
        data = experiment.data()
        model = experiment.keras_model()
        model.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test),
                  epochs=experiment.epochs, batch_size=experiment.batch_size, verbose=0)
    return time.perf_counter() - start


def engine_runs(names, seeds, *, cold):
    """One ``run`` per experiment; seconds and the number of graphs traced."""
    from lossguide import _engine, experiments

    if cold:
        _engine.clear_cache()
    traced = _engine.trace_count()
    start = time.perf_counter()
    for name in names:
        experiments.run(name, seeds=range(seeds))
    return time.perf_counter() - start, _engine.trace_count() - traced


def engine_grid(names, seeds, *, cold):
    """One ``run_grid`` of every experiment at every rate in RATES; seconds and traces."""
    from lossguide import _engine, experiments

    if cold:
        _engine.clear_cache()
    traced = _engine.trace_count()
    start = time.perf_counter()
    experiments.run_grid(names, seeds=range(seeds), learning_rates=list(RATES))
    return time.perf_counter() - start, _engine.trace_count() - traced


def median(samples):
    return statistics.median(samples)


def table(figures, seeds, repeats, command):
    plain = figures["plain"]
    rows = [
        "| | wall time (median of {r}) | graphs traced | ratio |".format(r=repeats),
        "|---|---|---|---|",
        f"| (a) plain Keras, one `Sequential.fit` per experiment (NumPy arrays, validation every "
        f"epoch), **1 seed** | {plain:.1f} s | | 1 |",
    ]
    for label, key, base, base_label in (
            (f"(b) `lg.experiments.run`, **{seeds} seeds** per experiment, cold (every graph traced)",
             "runs_cold", plain, "of (a)"),
            (f"(b) the same, warm (graphs cached)", "runs_warm", plain, "of (a)"),
            (f"(c) `lg.experiments.run_grid`, nine experiments × {len(RATES)} rates × {seeds} seeds, "
             "cold", "grid_cold", figures["runs_cold"], "of (b) cold"),
            ("(c) the same, warm", "grid_warm", figures["runs_warm"], "of (b) warm")):
        seconds, traced = figures[key]
        base_seconds = base if isinstance(base, float) else base[0]
        rows.append(f"| {label} | {seconds:.2f} s | {traced} | **{seconds / base_seconds:.3f}** "
                    f"{base_label} |")
    return "\n".join(rows) + (
        f"\n\nTargets: (b)/(a) ≤ 0.02, (c)/(b) ≤ 2. Peak memory {figures['memory']:.0f} MB; "
        f"{figures['cpus']} CPUs, load average {figures['load_before']} before and "
        f"{figures['load_after']} after; {figures['date']}, float64, TensorFlow "
        f"{figures['tensorflow']}. Produced by `{command}`.")




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--part", choices=("both", "plain", "engine"), default="both")
    parser.add_argument("--readme", help="write the table into this README (needs --part both)")
    args = parser.parse_args()

    import lossguide as lg
    from lossguide import experiments

    info = lg.setup(0)
    print(info)
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"cpus: {os.cpu_count()}, load average before: {load_before}", flush=True)
    names = list(experiments.TUTORIAL)
    experiments.run("circles/hinge", seeds=[0], epochs=1)  # TensorFlow's own start-up, not timed
    figures = {}
    if args.part in ("both", "plain"):
        samples = []
        for repeat in range(args.repeats):
            samples.append(plain_keras(names))
            print(f"(a) plain Keras, 1 seed: {samples[-1]:.1f} s", flush=True)
        figures["plain"] = median(samples)
    if args.part in ("both", "engine"):
        for key, function, cold in (("runs_cold", engine_runs, True),
                                    ("runs_warm", engine_runs, False),
                                    ("grid_cold", engine_grid, True),
                                    ("grid_warm", engine_grid, False)):
            if not cold:
                function(names, args.seeds, cold=False)  # make sure every graph is cached
            samples = [function(names, args.seeds, cold=cold) for _ in range(args.repeats)]
            figures[key] = (median([s for s, _ in samples]), samples[0][1])
            print(f"{key}: {', '.join(f'{s:.2f}' for s, _ in samples)} s; "
                  f"{samples[0][1]} graphs traced", flush=True)
    figures["memory"] = peak_memory_mb()
    figures["cpus"] = os.cpu_count()
    figures["load_before"] = load_before
    figures["load_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    figures["date"] = datetime.date.today().isoformat()
    import tensorflow as tf

    figures["tensorflow"] = tf.__version__
    if args.part == "both":
        command = " ".join(["python benchmarks/multiseed.py", *sys.argv[1:]])
        text = table(figures, args.seeds, args.repeats, command)
        print("\n" + text)
        if args.readme:
            write_between(pathlib.Path(args.readme), MARKERS, text)
            print(f"\nwritten into {args.readme}")


if __name__ == "__main__":
    main()
