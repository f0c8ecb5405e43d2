"""``python -m lossguide``: a tiny run end to end, the listing, and the error paths."""

import os
import subprocess
import sys

import pytest

ENVIRONMENT = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
               "MPLBACKEND": "Agg"}


def lossguide(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lossguide", *args], capture_output=True,
                          text=True, env=ENVIRONMENT, cwd=cwd, timeout=300)


def test_run_prints_summary_and_final_and_saves_the_figure(tmp_path):
    figure = tmp_path / "curves.png"
    out = lossguide("run", "circles/hinge", "--seeds", "2", "--epochs", "2",
                    "--save-figure", str(figure))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == "2 seeds x 2 epochs, batch 32, metric accuracy"
    summary = lines.index("summary over seeds (sd: sample standard deviation, ddof=1)")
    assert lines[summary + 1].split() == ["mean", "sd", "min", "max"]
    assert [line.split()[0] for line in lines[summary + 2:summary + 6]] == [
        "train_loss", "test_loss", "train_accuracy", "test_accuracy"]
    final = lines.index("final scores per seed")
    assert [line.split()[0] for line in lines[final + 3:final + 5]] == ["0", "1"]
    # the summary's mean is the mean of the printed per-seed values (to print precision)
    seed_rows = [list(map(float, line.split()[1:])) for line in lines[final + 3:final + 5]]
    mean_test_accuracy = float(lines[summary + 5].split()[1])
    assert abs(mean_test_accuracy - (seed_rows[0][3] + seed_rows[1][3]) / 2) < 1e-3
    assert figure.stat().st_size > 1000 and figure.read_bytes()[:4] == b"\x89PNG"
    # not a terminal: no progress bar in the captured stderr
    assert "epochs" not in out.stderr


def test_list_names_every_experiment_with_a_description():
    from lossguide import experiments

    out = lossguide("list")
    assert out.returncode == 0
    rows = dict(line.split(None, 1) for line in out.stdout.splitlines())
    assert list(rows) == experiments.names()
    assert all(description.strip() for description in rows.values())


@pytest.mark.parametrize("args, message", [
    (["run", "circles/hinge_loss"], "unknown experiment 'circles/hinge_loss'"),
    (["run", "circles/hinge", "--seeds", "zero"], "--seeds: expected a positive integer, got 'zero'"),
    (["run", "circles/hinge", "--epochs", "-3"], "--epochs: expected a positive integer, got -3"),
    (["run"], "the following arguments are required: name"),
    (["train", "circles/hinge"], "invalid choice: 'train'"),
])
def test_usage_errors_exit_2_with_a_message(args, message):
    out = lossguide(*args)
    assert out.returncode == 2
    assert message in out.stderr and out.stdout == ""


def test_console_script_is_the_same_main():
    from lossguide.__main__ import main

    assert main(["list"]) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "nope/nope"])
    assert exit_info.value.code == 2


def test_recommend_prints_the_reading_and_the_alternatives(tmp_path):
    import numpy as np

    ratings = tmp_path / "ratings.npy"
    np.save(ratings, np.repeat([1, 2, 3, 4, 5], [7, 8, 15, 30, 40]))
    out = lossguide("recommend", str(ratings))
    assert out.returncode == 0, out.stderr
    rows = dict(parts for parts in (line.split(None, 1) for line in out.stdout.splitlines()) if len(parts) == 2)
    assert rows["task"] == "ordinal" and rows["ambiguous"] == "True"
    assert "AmbiguousTargetWarning: y_train is ambiguous" in out.stderr
    assert "  --task multiclass: loss categorical_crossentropy, output softmax" in out.stdout
    text = tmp_path / "labels.csv"
    text.write_text("1\n2\n2\n1\n")
    out = lossguide("recommend", str(text), "--task", "binary")
    assert out.returncode == 0 and out.stderr == ""
    assert "map 1/2 to 0/1 by subtracting 1 (y - 1)" in out.stdout


@pytest.mark.parametrize("args, message", [
    (["--quantile", "2"], "lossguide recommend: quantile must be in (0, 1), got 2.0"),
    (["--task", "classes"], "argument --task: invalid choice: 'classes'"),
    (["--task", "binary", "--n-classes", "3"], "task='binary' has 2 classes, not n_classes=3"),
])
def test_recommend_errors_exit_2(tmp_path, args, message):
    targets = tmp_path / "y.txt"
    targets.write_text("0 1 2 1\n".replace(" ", "\n"))
    out = lossguide("recommend", str(targets), *args)
    assert out.returncode == 2 and message in out.stderr and out.stdout == ""
    missing = lossguide("recommend", str(tmp_path / "nope.npy"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
