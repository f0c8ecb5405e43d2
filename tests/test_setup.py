"""lossguide.setup() and the promise that importing lossguide does not load TensorFlow."""

import os
import subprocess
import sys
import textwrap

import pytest

import lossguide as lg


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=300, env=env)


def test_import_does_not_load_tensorflow_or_keras():
    done = run_python("""
        import sys, lossguide
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_setup_configures_a_quiet_deterministic_float64_session():
    done = run_python("""
        import os, lossguide as lg
        info = lg.setup(7)
        import keras, numpy as np, tensorflow as tf, matplotlib as mpl
        print(os.environ["TF_CPP_MIN_LOG_LEVEL"], os.environ["TF_ENABLE_ONEDNN_OPTS"])
        print(keras.config.floatx(), __import__("tensorflow.python.framework.config", fromlist=["x"]).is_op_determinism_enabled())
        first = np.random.rand()
        lg.setup(7)
        print(first == np.random.rand())
        print(repr(info).startswith("lossguide "), "seed=7" in repr(info))
        print(mpl.rcParams["figure.facecolor"])
    """)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "3 0"
    assert lines[1] == "float64 True"
    assert lines[2] == "True"
    assert lines[3] == "True True"
    # Opaque figures stay readable on the theme's dark background.
    assert lines[4] in ("white", "#ffffff", "(1.0, 1.0, 1.0, 1.0)", "#FFFFFF"), lines[4]
    # No TensorFlow start-up noise reaches stderr.
    assert "oneDNN" not in done.stderr and "cuda" not in done.stderr.lower(), done.stderr


def test_setup_warns_when_tensorflow_was_imported_first():
    done = run_python("""
        import warnings, tensorflow, lossguide as lg
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lg.setup()
        print([str(w.message) for w in caught])
    """)
    assert done.returncode == 0, done.stderr
    assert "TensorFlow was imported before lossguide.setup()" in done.stdout


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": 1.5}, TypeError, "seed must be an int, got float: 1.5"),
        ({"seed": True}, TypeError, "seed must be an int, got bool: True"),
        ({"seed": -1}, ValueError, "seed must be non-negative, got -1"),
        ({"floatx": "float16"}, ValueError, "floatx must be 'float32' or 'float64', got 'float16'"),
    ],
)
def test_setup_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        lg.setup(**kwargs)
