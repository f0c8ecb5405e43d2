"""How much do many seeds cost?  The tutorial's nine experiments, two ways.

(a) the plain tutorial way: one ``model.fit`` per experiment on NumPy arrays,
    test-set validation every epoch, one seed;
(b) ``lossguide.experiments.run`` with 10 seeds per experiment (all replicas of
    one experiment in one TensorFlow graph).

Both in float64, in one process, after TensorFlow is imported.  Prints the wall
times, their ratio and the peak resident memory (``ru_maxrss``) after each part.

    .venv/bin/python benchmarks/multiseed.py [--seeds 10] [--part both|plain|engine]

A script, not a test: it takes a few minutes and its numbers depend on the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def peak_memory_mb():
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_keras(names):
    """The tutorial's own loop: fresh Sequential, compile, fit with validation."""
    from lossguide import experiments

    seconds = {}
    for name in names:
        experiment = experiments.get(name)
        data = experiment.data()
        model = experiment.keras_model()
        start = time.perf_counter()
        model.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test),
                  epochs=experiment.epochs, batch_size=experiment.batch_size, verbose=0)
        seconds[name] = time.perf_counter() - start
    return seconds


def engine(names, seeds):
    from lossguide import experiments

    seconds, results = {}, {}
    for name in names:
        start = time.perf_counter()
        results[name] = experiments.run(name, seeds=range(seeds))
        seconds[name] = time.perf_counter() - start
    return seconds, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--part", choices=("both", "plain", "engine"), default="both")
    args = parser.parse_args()

    import lossguide as lg
    from lossguide import experiments

    info = lg.setup(0)
    print(info)
    print(f"cpus: {os.cpu_count()}, load average before: "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    names = list(experiments.TUTORIAL)
    plain_total = engine_total = None
    if args.part in ("both", "plain"):
        plain = plain_keras(names)
        plain_total = sum(plain.values())
        print(f"\n(a) plain Keras fit, 1 seed each, validation every epoch: {plain_total:.1f} s "
              f"(peak RSS so far {peak_memory_mb():.0f} MB)")
        for name, seconds in plain.items():
            print(f"    {name:<40} {seconds:6.2f} s")
    if args.part in ("both", "engine"):
        timed, results = engine(names, args.seeds)
        engine_total = sum(timed.values())
        print(f"\n(b) engine, {args.seeds} seeds each, test set every epoch: {engine_total:.1f} s "
              f"(peak RSS so far {peak_memory_mb():.0f} MB)")
        for name, seconds in timed.items():
            test = results[name].final.iloc[:, 3]
            print(f"    {name:<40} {seconds:6.2f} s   test {results[name].metric} "
                  f"{test.mean():.3f} ± {test.std():.3f}")
    if plain_total and engine_total:
        ratio = engine_total / plain_total
        per_run = ratio / args.seeds
        print(f"\nratio (b)/(a): {ratio:.3f}  ({args.seeds} seeds for {ratio:.2f}x the time of one; "
              f"{per_run:.4f} of a plain run per seed)")
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
