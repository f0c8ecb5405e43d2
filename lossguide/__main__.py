"""Command line: ``python -m lossguide run NAME --seeds 10``, ``python -m lossguide list`` and
``python -m lossguide recommend TARGETS.npy [--task T] [--n-classes K] [--quantile Q]``.

Also installed as the ``lossguide`` console script.  Exit codes: 0 on success,
2 for bad usage (unknown experiment, bad numbers, unreadable or unsuitable targets), 1 if
saving the figure fails.
"""

from __future__ import annotations

import argparse
import os
import sys


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="lossguide",
        description="Run the lossguide book's loss-function experiments over many seeds.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="list the experiments with one-line descriptions")
    run = commands.add_parser(
        "run",
        help="train an experiment for several seeds and print the summary",
        description="Train one experiment for seeds 0..N-1 (all in one TensorFlow graph) and "
        "print mean, sd, min and max over seeds, then the per-seed final scores.",
    )
    run.add_argument("name", help="experiment name, e.g. circles/hinge (see 'lossguide list')")
    run.add_argument("--seeds", type=_positive_int, default=5, metavar="N",
                     help="number of seeds, 0..N-1 (default 5)")
    run.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                     help="override the experiment's epoch count")
    run.add_argument("--save-figure", metavar="PATH", default=None,
                     help="save the learning curves (mean and min-max band) to PATH")
    parser.run_parser = run

    from .recommend import TASKS

    recommend = commands.add_parser(
        "recommend",
        help="suggest a loss, output activation, encoding and metric for a file of training targets",
        description="Read training targets from a .npy file or a text file (one row per sample, "
        "comma- or whitespace-separated) and print what lossguide.recommend suggests; an ambiguous "
        "reading is reported on stderr with the --task values that settle it.",
    )
    recommend.add_argument("path", help="targets: .npy, or text/CSV with one row per sample")
    recommend.add_argument("--task", choices=TASKS, default=None, help="what the targets are")
    recommend.add_argument("--n-classes", type=_positive_int, default=None, metavar="K",
                           help="number of classes (labels 0..K-1, or 1..K)")
    recommend.add_argument("--quantile", type=float, default=None, metavar="Q",
                           help="regression for the Q-quantile, 0 < Q < 1")
    return parser


def _list(out):
    from . import experiments

    width = max(len(name) for name in experiments.names())
    for name in experiments.names():
        out.write(f"{name:<{width}}  {experiments.get(name).description}\n")


def _run(args, parser, out):
    from . import experiments

    if args.name not in experiments.names():
        parser.run_parser.error(
            f"unknown experiment {args.name!r}; run 'lossguide list' for the valid names"
        )
    # Quiet, deterministic float64 TensorFlow: set before TensorFlow is imported.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    if args.save_figure:
        import matplotlib

        matplotlib.use("Agg")  # no display needed to write a file
    from ._setup import setup

    setup(0)
    result = experiments.run(args.name, seeds=range(args.seeds), epochs=args.epochs,
                             progress=sys.stderr.isatty())
    experiment = result.experiment
    out.write(f"{experiment.name}: {experiment.description}\n")
    out.write(f"{len(result.seeds)} seeds x {result.epochs} epochs, batch {experiment.batch_size}, "
              f"metric {result.metric}\n\n")
    out.write("summary over seeds (sd: sample standard deviation, ddof=1)\n")
    out.write(result.summary().to_string(float_format=lambda v: f"{v:.4f}") + "\n\n")
    out.write("final scores per seed\n")
    out.write(result.final.to_string(float_format=lambda v: f"{v:.4f}") + "\n")
    if args.save_figure:
        from . import plots

        try:
            figure = plots.learning_curves(result)
            figure.savefig(args.save_figure)
        except (OSError, ValueError) as error:
            sys.stderr.write(f"lossguide: could not save the figure to {args.save_figure}: {error}\n")
            return 1
        out.write(f"\nlearning curves saved to {args.save_figure}\n")
    return 0


def _load_targets(path):
    import numpy as np

    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    return np.loadtxt(path, delimiter="," if "," in first else None, ndmin=1)


def _recommend(args, out):
    import warnings

    from .recommend import recommend

    try:
        targets = _load_targets(args.path)
    except (OSError, ValueError) as error:
        sys.stderr.write(f"lossguide recommend: cannot read {args.path}: {error}\n")
        return 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rec = recommend(targets, task=args.task, n_classes=args.n_classes, quantile=args.quantile)
        except (TypeError, ValueError) as error:
            sys.stderr.write(f"lossguide recommend: {error}\n")
            return 2
    for warning in caught:
        sys.stderr.write(f"{warning.category.__name__}: {warning.message}\n")
    out.write(f"{rec}\n")
    if rec.candidates:
        out.write("\nreadings (pass --task to choose):\n")
        for candidate in rec.candidates:
            out.write(f"  --task {candidate.task}: loss {candidate.loss}, output {candidate.activation}, "
                      f"metric {candidate.metric}\n")
    return 0


def main(argv=None) -> int:
    """Entry point of ``python -m lossguide`` and the ``lossguide`` script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        _list(sys.stdout)
        return 0
    if args.command == "recommend":
        return _recommend(args, sys.stdout)
    return _run(args, parser, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
