"""Train many replicas of one small MLP together, in one TensorFlow graph, traced once.

Why this exists: a Keras ``fit`` of the tutorial's networks spends nearly all its
time in per-step Python and dispatch overhead, so K seeds cost K times one run.
Here every parameter carries a leading replica axis (kernel ``(K, in, out)``), a
batch is gathered per replica from that replica's own shuffled order, and the
whole training (epochs, steps, test evaluation) is a ``tf.while_loop`` inside one
``tf.function``: the overhead is paid once for all K replicas.

Trace once, run many
--------------------
The replicas of one call are laid out as *blocks* (one experiment at one learning
rate, one replica per seed) and consecutive blocks that share a loss, its options,
the output activation, the metric and the targets form a *group*.  Everything that
differs between replicas of one network shape is data on the replica axis: the
learning rate and the optimizer's other numbers are ``(K,)`` tensors broadcast in
the update, and each group's slice of the output goes through that group's
activation, Keras loss and metric (``tf.split`` along the replica axis, then
``tf.concat``).  The traced function takes the data, the batch orders, the initial
weights and these numbers as *inputs* (replica and row counts are unknown
dimensions), so it is cached and reused: a key of dtype, network shape, optimizer
kind, batch size, the groups' static configurations and the global Keras
settings a loss reads while it is traced (``keras.config.epsilon()``)
(:func:`trace_count` counts the traces).  A chapter that runs one problem ten times, with other seeds,
rates, epochs or data of the same width, traces once.

Replica ``k`` computes exactly what Keras computes for one model: the same Keras
activation functions (named by :data:`lossguide.experiments.ACTIVATIONS`, the
table the NumPy forward pass uses too), the same loss functions (so Keras's
shortcuts, e.g. taking the logits behind a sigmoid or softmax for cross-entropy,
apply identically), the same metric functions (:func:`lossguide.metrics.keras_accuracy`:
one decision rule everywhere), the same per-batch mean, and the optimizer update
written with the same ``keras.ops`` arithmetic as ``keras/src/optimizers/sgd.py``
and ``rmsprop.py`` (each per-replica number is the very scalar Keras would use,
computed by the same ``keras.ops`` call).  The test suite checks this against
``Sequential.fit`` to 1e-9.

Where a replica sits on the axis
--------------------------------
Some of TensorFlow's CPU kernels take a slightly different summation path for a
row that does not start on a 32-byte boundary (AVX packets of four float64), so
a replica's last bits (~1e-16) depend on its position modulo
:func:`block_alignment` (4 in float64, 8 in float32).  Every block therefore
starts at a multiple of that alignment (padded with copies of its own first
replicas, whose results are dropped): a block's numbers are bit for bit those of
the same seeds trained alone, whatever other losses and rates run beside them.

TensorFlow and Keras are imported inside the functions, on first use.
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np

# Independent NumPy streams per seed: initial weights and batch orders never
# share random numbers, so changing the epoch count leaves initial weights, and
# the orders of the first epochs, unchanged.
_INIT_STREAM, _ORDER_STREAM = 0, 1

# Bytes of one SIMD packet of TensorFlow's CPU kernels (AVX, 256 bits).
_PACKET_BYTES = 32


def initial_weights(seed, n_inputs, hidden_units, output_units, hidden_initializer,
                    output_initializer="glorot_uniform"):
    """Kernel/bias arrays ``[W1, b1, W2, b2]`` for one seed (float64, biases zero).

    Draws from the distributions Keras's initialisers use (``he_uniform``:
    :math:`U(\\pm\\sqrt{6/\\text{fan\\_in}})`, ``glorot_uniform``:
    :math:`U(\\pm\\sqrt{6/(\\text{fan\\_in}+\\text{fan\\_out})})`) with NumPy's
    generator seeded by ``[seed, 0]``, so a seed gives the same network whatever
    other seeds run beside it.
    """
    rng = np.random.default_rng([seed, _INIT_STREAM])
    kernels = []
    for fan_in, fan_out, name in ((n_inputs, hidden_units, hidden_initializer),
                                  (hidden_units, output_units, output_initializer)):
        if name == "he_uniform":
            limit = math.sqrt(6.0 / fan_in)
        elif name == "glorot_uniform":
            limit = math.sqrt(6.0 / (fan_in + fan_out))
        else:
            raise ValueError(
                f"initializer must be 'he_uniform' or 'glorot_uniform', got {name!r}"
            )
        kernels.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)))
    return [kernels[0], np.zeros(hidden_units), kernels[1], np.zeros(output_units)]


def batch_orders(seed, epochs, n_samples):
    """Row order for each epoch, shape ``(epochs, n_samples)``, for one seed.

    One permutation per epoch from NumPy's generator seeded by ``[seed, 1]``;
    the first ``e`` epochs' orders do not depend on the total epoch count.
    """
    rng = np.random.default_rng([seed, _ORDER_STREAM])
    return np.stack([rng.permutation(n_samples) for _ in range(epochs)])


def block_alignment(dtype) -> int:
    """Replicas per SIMD packet boundary: every block starts at a multiple of this.

    .. math:: A = \\max(1, 32 / \\text{itemsize})

    Examples
    --------
    >>> block_alignment("float64"), block_alignment("float32")
    (4, 8)
    """
    return max(1, _PACKET_BYTES // np.dtype(dtype).itemsize)


def _check_backend():
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "the multi-seed engine needs Keras's TensorFlow backend, got "
            f"KERAS_BACKEND={keras.backend.backend()!r}"
        )


def resolve_loss(loss):
    """The per-sample loss function for a loss identifier or callable.

    Names in :data:`lossguide.keras_losses.NAMES` (losses Keras does not ship)
    come from :func:`lossguide.keras_losses.get`; other names from
    ``keras.losses.get``; a callable is returned as it is.
    """
    if callable(loss):
        return loss
    try:
        from . import keras_losses
    except ImportError:  # the module of extra losses is optional
        keras_losses = None
    if keras_losses is not None and loss in getattr(keras_losses, "NAMES", ()):
        return keras_losses.get(loss)
    import keras

    return keras.losses.get(loss)


# ---------------------------------------------------------------------------
# What one call trains


@dataclasses.dataclass
class Block:
    """One experiment at one learning rate: a run of consecutive replicas, one per seed.

    Attributes
    ----------
    experiment : lossguide.experiments.Experiment
        Its loss, output activation, metric and optimizer numbers are used (its
        learning rate too: pass ``with_learning_rate`` experiments for a grid).
    initial : list of numpy.ndarray
        ``[W1, b1, W2, b2]``, each with a leading axis of length k (the seeds).
    orders : numpy.ndarray
        Integer ``(k, epochs, n_train)``.
    y_train, y_test : numpy.ndarray
        The block's targets (blocks of one call share the features).
    sample_weight : numpy.ndarray, optional
        ``(n_train,)`` weights of the training rows (``None``: all ones, not applied).
    """

    experiment: object
    initial: list
    orders: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    sample_weight: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.orders.shape[0])


def _options_key(options):
    return tuple(sorted(dict(options).items()))


def target_array(y, experiment):
    """Targets as the graph takes them: float64, ``(n,)`` integer labels or ``(n, columns)``.

    Integer labels stay ``(n,)`` for the sparse loss, which casts them back to
    int; everything else becomes ``(n, outputs)`` like Keras's
    ``squeeze_or_expand_to_same_rank`` makes a ``(batch,)`` target for a
    ``(batch, 1)`` output.
    """
    y = np.asarray(y, dtype=np.float64)
    if experiment.targets != "int" and y.ndim == 1:
        y = y[:, None]
    return y


def _group_key(block):
    """What a group's slice of the graph computes: loss, options, activation, metric, targets."""
    experiment = block.experiment
    return (experiment.loss, _options_key(experiment.loss_options),
            experiment.network.output_activation, experiment.keras_metric(),
            tuple(target_array(block.y_train, experiment).shape[1:]),
            block.sample_weight is not None)


def _same_targets(a, b):
    if a.sample_weight is None and b.sample_weight is not None:
        return False
    if a.sample_weight is not None and (b.sample_weight is None
                                        or not np.array_equal(a.sample_weight, b.sample_weight)):
        return False
    return (a.y_train is b.y_train or np.array_equal(a.y_train, b.y_train)) and (
        a.y_test is b.y_test or np.array_equal(a.y_test, b.y_test))


def _optimizer_kind(optimizer):
    """The optimizer's structure (what the graph's update does); its numbers are data."""
    if optimizer.name == "sgd":
        return ("sgd", optimizer.momentum != 0)
    if optimizer.name == "rmsprop":
        return ("rmsprop",)
    raise ValueError(f"optimizer name must be 'sgd' or 'rmsprop', got {optimizer.name!r}")


def call_key(experiment):
    """Blocks whose experiments give equal keys can share one call (and one graph).

    Network shape, optimizer kind, batch size and epochs; the loss, output
    activation, learning rate and optimizer numbers may differ.
    """
    network = experiment.network
    return (experiment.n_inputs, network.hidden_units, network.hidden_activation,
            network.output_units, _optimizer_kind(experiment.optimizer), experiment.batch_size)


# ---------------------------------------------------------------------------
# The traced graphs

_GRAPHS = {}
_TRACES = [0]


def trace_count() -> int:
    """How many training graphs this process has traced (one per new cache key).

    Examples
    --------
    >>> isinstance(trace_count(), int)
    True
    """
    return _TRACES[0]


def clear_cache() -> None:
    """Forget the cached training graphs (the next call traces again)."""
    _GRAPHS.clear()


def _scalar_as_keras_uses_it(value, dtype, how):
    """The exact floatx scalar Keras's optimizer arithmetic makes of a Python float.

    ``how="cast"``: ``ops.cast(value, dtype)``, which goes through float32 in the
    TensorFlow backend (0.9 -> 0.8999999761581421), as Keras's SGD momentum does;
    ``how="operand"``: the value ``ops.multiply(value, tensor)`` converts it to.
    """
    from keras import ops

    if how == "cast":
        return float(np.asarray(ops.cast(value, dtype)))
    return float(np.asarray(ops.multiply(value, ops.ones((), dtype=dtype))))


def _hyperparameters(blocks, padded_sizes, dtype):
    """Per-replica optimizer numbers, ``{name: (K,) array}``, each as Keras would use it."""
    columns = {}
    for block, size in zip(blocks, padded_sizes):
        optimizer = block.experiment.optimizer
        values = {"learning_rate": optimizer.learning_rate}
        if optimizer.name == "sgd" and optimizer.momentum != 0:
            values["momentum"] = _scalar_as_keras_uses_it(optimizer.momentum, dtype, "cast")
        elif optimizer.name == "rmsprop":
            values["rho"] = _scalar_as_keras_uses_it(optimizer.rho, dtype, "operand")
            values["one_minus_rho"] = _scalar_as_keras_uses_it(1 - optimizer.rho, dtype, "operand")
            values["epsilon"] = _scalar_as_keras_uses_it(optimizer.epsilon, dtype, "operand")
        for name, value in values.items():
            columns.setdefault(name, []).append(np.full(size, value, dtype=np.float64))
    return {name: np.concatenate(parts) for name, parts in columns.items()}


def _keras_globals():
    """The global Keras settings a traced loss or metric reads when it is traced.

    Keras's losses read ``keras.config.epsilon()`` at trace time (the clip in
    ``categorical_crossentropy`` on probabilities, ``kl_divergence``, ``poisson``,
    ``mean_squared_logarithmic_error``; keras/src/losses/losses.py and
    keras/src/backend/tensorflow/nn.py), so the traced graph holds that number as a
    constant: a graph traced at one epsilon must not be reused at another.
    """
    import keras

    return (keras.config.epsilon(),)


def _build(key):
    """The training function (to trace) and the evaluation function of one cache key."""
    import keras
    import tensorflow as tf
    from keras import ops

    from .experiments import ACTIVATIONS

    (dtype, n_inputs, hidden_units, hidden_activation, output_units, kind, batch_size, groups,
     group_sizes, n_train, n_test, _) = key
    hidden = keras.activations.get(ACTIVATIONS[hidden_activation].keras)
    n_groups = len(groups)
    sizes = list(group_sizes)
    group_functions = []
    for loss, options, output_activation, metric, _, weighted in groups:
        # "mse" names keras.metrics.mean_squared_error (keras.metrics.get would return
        # a stateful MeanSquaredError object instead of the function).
        metric_function = keras.metrics.mean_squared_error if metric == "mse" else metric
        group_functions.append((resolve_loss(loss), dict(options),
                                keras.activations.get(ACTIVATIONS[output_activation].keras),
                                metric_function, weighted))

    def mean_over_samples(values, by_reciprocal=False):
        # Keras's "sum_over_batch_size": sum, then divide by the batch's own size
        # (the last batch of 500 % 32 = 20 rows is averaged over 20, not 32).
        total = tf.reduce_sum(values, axis=1)
        count = tf.cast(tf.shape(values)[1], dtype)
        if by_reciprocal:
            # Where the row count is a constant of a static-shape graph, Grappler's
            # constant folding turns x / n into x * (1 / n) (ReduceDivToReciprocalMul),
            # 1 ulp apart; the engine's history has always been computed that way.
            return total * tf.math.reciprocal(count)
        return total / count

    def per_sample_metric(function, y_true, y_pred):
        # Keras's metric functions expect (batch, ...) tensors, and some squeeze a
        # trailing axis of length 1 (a batch of one row): fold the replica axis
        # into the batch, score, and unfold.
        flat_true = tf.reshape(y_true, [-1, *y_true.shape[2:]])
        flat_pred = tf.reshape(y_pred, [-1, y_pred.shape[-1]])
        return tf.reshape(function(flat_true, flat_pred), tf.shape(y_pred)[:2])

    def logits(params, x):
        # x is (K, n, in) per replica, or (n, in) shared: matmul broadcasts it.
        kernel1, bias1, kernel2, bias2 = params
        h = hidden(tf.matmul(x, kernel1) + bias1[:, None, :])
        return tf.matmul(h, kernel2) + bias2[:, None, :]

    def split(values):
        return tf.split(values, sizes, axis=0) if n_groups > 1 else [values]

    def outputs(z):
        """Each group's slice through its own activation (which may attach _keras_logits)."""
        return [activation(part) for (_, _, activation, _, _), part in zip(group_functions,
                                                                            split(z))]

    def losses(y_parts, predictions, weights=None, by_reciprocal=False):
        """Per-replica mean loss, ``(K,)``; ``weights[g]`` is (K_g, n) or None."""
        values = []
        for g, ((loss, options, _, _, weighted), y, prediction) in enumerate(
                zip(group_functions, y_parts, predictions)):
            per_sample = loss(y, prediction, **options)
            if weights is not None and weights[g] is not None:
                # Keras: sum(w * l) / n, the batch's own size (sum_over_batch_size).
                per_sample = per_sample * weights[g]
            values.append(mean_over_samples(per_sample, by_reciprocal))
        return tf.concat(values, axis=0) if n_groups > 1 else values[0]

    def scores(y_parts, predictions, by_reciprocal=False):
        values = [mean_over_samples(per_sample_metric(function, y, prediction), by_reciprocal)
                  for (_, _, _, function, _), y, prediction in zip(group_functions, y_parts,
                                                                   predictions)]
        return tf.concat(values, axis=0) if n_groups > 1 else values[0]

    def broadcast(y, size):
        # Whole-set evaluation: the outputs are (K, n, out), and some Keras losses
        # insist on targets of the same rank, so give every replica its own copy.
        return tf.broadcast_to(y, [size, *y.shape])

    def update(params, slots, gradients, hyper):
        """One optimizer step on every replica (keras/src/optimizers/sgd.py, rmsprop.py)."""
        def per_replica(name, like):
            # A (K,) number broadcast against a (K, ...) parameter.
            return tf.reshape(hyper[name], [-1] + [1] * (like.shape.rank - 1))

        new_params, new_slots = [], []
        if kind[0] == "sgd" and kind[1]:
            for p, m, g in zip(params, slots, gradients):
                lr, m_factor = per_replica("learning_rate", p), per_replica("momentum", p)
                m = ops.subtract(ops.multiply(m, m_factor), ops.multiply(g, lr))
                new_slots.append(m)
                new_params.append(p + m)
        elif kind[0] == "sgd":
            for p, g in zip(params, gradients):
                new_params.append(p - ops.multiply(g, per_replica("learning_rate", p)))
        else:
            for p, v, g in zip(params, slots, gradients):
                lr = per_replica("learning_rate", p)
                rho, one_minus_rho = per_replica("rho", p), per_replica("one_minus_rho", p)
                # keras/src/optimizers/rmsprop.py, momentum=0, centered=False:
                # epsilon is added inside the square root.
                v = ops.add(ops.multiply(rho, v), ops.multiply(one_minus_rho, ops.square(g)))
                increment = ops.divide(ops.multiply(lr, g),
                                       ops.sqrt(ops.add(v, per_replica("epsilon", p))))
                new_slots.append(v)
                new_params.append(p - increment)
        return new_params, new_slots

    replicas = sum(sizes)
    steps = -(-n_train // batch_size)  # ceiling: the last, smaller batch is a step too

    def run_epochs(data, orders, params, slots, hyper, start, stop):
        _TRACES[0] += 1  # Python runs this body only while tracing
        x_train, x_test, ys_train, ys_test, weights = data
        params, slots = list(params), list(slots)
        ys_test_all = [broadcast(y, size) for y, size in zip(ys_test, sizes)]

        def step_body(epoch, step, params, slots, loss_sum, metric_sum):
            low = step * batch_size
            high = tf.minimum(low + batch_size, n_train)
            index = orders[:, epoch, low:high]  # (K, batch): each replica its own rows
            x_batch = tf.gather(x_train, index)
            index_parts = split(index)
            y_batches = [tf.gather(y, part) for y, part in zip(ys_train, index_parts)]
            w_batches = [tf.gather(w, part) if weighted else None
                         for (*_, weighted), w, part in zip(group_functions, weights, index_parts)]
            size = tf.cast(high - low, dtype)
            with tf.GradientTape() as tape:
                tape.watch(params)
                predictions = outputs(logits(params, x_batch))
                batch_loss = losses(y_batches, predictions, w_batches)
                # Replicas share no parameters, so the gradient of the sum
                # with respect to replica k's weights is that of its own loss.
                total = tf.reduce_sum(batch_loss)
            gradients = tape.gradient(total, params)
            params, slots = update(params, slots, gradients, hyper)
            # Keras's running epoch loss: batch means weighted by batch size.
            loss_sum = loss_sum + batch_loss * size
            metric_sum = metric_sum + scores(y_batches, predictions) * size
            return params, slots, loss_sum, metric_sum

        def epoch_body(epoch, params, slots, rows):
            zeros = tf.zeros([replicas], dtype)

            def body(step, params, slots, loss_sum, metric_sum):
                return (step + 1, *step_body(epoch, step, params, slots, loss_sum, metric_sum))

            _, params, slots, loss_sum, metric_sum = tf.while_loop(
                lambda step, *_: step < steps, body, (tf.constant(0), params, slots, zeros, zeros))
            test_predictions = outputs(logits(params, x_test))
            test_loss = losses(ys_test_all, test_predictions, by_reciprocal=True)
            test_metric = scores(ys_test_all, test_predictions, by_reciprocal=True)
            # x * (1 / n), as Grappler folds x / n: see mean_over_samples
            per_row = tf.math.reciprocal(tf.constant(n_train, dtype))
            rows = rows.write(epoch - start, tf.stack(
                [loss_sum * per_row, test_loss, metric_sum * per_row, test_metric], axis=1))
            return epoch + 1, params, slots, rows

        rows = tf.TensorArray(dtype, size=stop - start)
        _, params, slots, rows = tf.while_loop(
            lambda epoch, *_: epoch < stop, epoch_body, (start, params, slots, rows))
        return rows.stack(), params, slots

    def evaluate(data, params):
        """Loss and metric on the full training and test sets, ``(K, 4)`` (run eagerly)."""
        x_train, x_test, ys_train, ys_test, _ = data
        results = []
        for x, ys in ((x_train, ys_train), (x_test, ys_test)):
            y_all = [broadcast(y, size) for y, size in zip(ys, sizes)]
            predictions = outputs(logits(params, x))
            results.append((losses(y_all, predictions), scores(y_all, predictions)))
        (train_loss, train_metric), (test_loss, test_metric) = results
        return tf.stack([train_loss, test_loss, train_metric, test_metric], axis=1)

    return run_epochs, evaluate


def _graph(key, example_data, n_slots, hyper_names):
    """The cached traced function for ``key`` (made and traced on first use).

    Every shape is static (replicas, group sizes and row counts are part of the
    key): with unknown dimensions TensorFlow keeps dozens of shape computations
    per step that a static graph folds away, and the steps run up to 40 % slower.
    """
    cached = _GRAPHS.get(key)
    if cached is not None:
        return cached
    import tensorflow as tf

    run_epochs, evaluate = _build(key)
    dtype, n_inputs, hidden_units, _, output_units = key[:5]
    replicas = sum(key[8])

    def spec(tensor):
        return tf.TensorSpec(tensor.shape, tensor.dtype)

    data_spec = tf.nest.map_structure(spec, example_data)
    param_spec = (tf.TensorSpec([replicas, n_inputs, hidden_units], dtype),
                  tf.TensorSpec([replicas, hidden_units], dtype),
                  tf.TensorSpec([replicas, hidden_units, output_units], dtype),
                  tf.TensorSpec([replicas, output_units], dtype))
    function = tf.function(
        run_epochs,
        input_signature=[
            data_spec,
            tf.TensorSpec([replicas, None, key[9]], tf.int32),  # any number of epochs
            param_spec,
            param_spec[:n_slots],
            {name: tf.TensorSpec([replicas], dtype) for name in hyper_names},
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32),
        ],
        autograph=False,
    )
    # Every new cache key traces its own graph once, by design; without this,
    # TensorFlow logs a "frequent retracing" warning to stderr from the sixth
    # trace of this Python function on, which a notebook would save as output.
    # (Private flag, also set by TensorFlow's own SavedModel loader; if it
    # disappears only the warning returns.)
    function._omit_frequent_tracing_warning = True
    # Trace now, in this thread: the shards of a call then run the traced graph side by side.
    function.get_concrete_function()
    _GRAPHS[key] = (function, evaluate)
    return _GRAPHS[key]


def _padded(arrays, size):
    """The piece's replicas, repeated cyclically up to ``size`` (the padding is dropped later)."""
    k = arrays[0].shape[0]
    index = np.arange(size) % k
    return [np.asarray(a)[index] for a in arrays]


# ---------------------------------------------------------------------------
# Threads: the replicas of one call split into shards that run side by side

_THREADS = [None]  # None: as many as the CPUs this process may use, at most _MAX_THREADS
_MAX_THREADS = 4
_MIN_REPLICAS_PER_SHARD = 12
_POOL = {}


def set_threads(threads=None):
    """How many shards (threads) one call's replicas are split into; ``None``: one per CPU (<= 4).

    The per-step work of these tiny networks is mostly a chain of small
    operations that keeps one core busy, so a second shard of replicas on a
    second core nearly halves the time of a large call.  Shards are cut at
    multiples of :func:`block_alignment` inside each group, so every replica
    keeps its place modulo the alignment and its numbers do not change; all
    shards run the same traced graph.

    Returns the previous setting.

    Examples
    --------
    >>> previous = set_threads(1)
    >>> set_threads(previous)
    1
    """
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise ValueError(f"threads must be a positive int or None, got {threads!r}")
    previous, _THREADS[0] = _THREADS[0], threads
    return previous


def _thread_count():
    if _THREADS[0] is not None:
        return _THREADS[0]
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_THREADS))


def _pool(threads):
    if threads not in _POOL:
        from concurrent.futures import ThreadPoolExecutor

        _POOL[threads] = ThreadPoolExecutor(threads, thread_name_prefix="lossguide-engine")
    return _POOL[threads]


def _cut(pieces, alignment, parts):
    """Split a group's pieces ``[(block, start, stop)]`` into ``parts`` runs of about equal size.

    A cut falls on a block boundary or at a multiple of ``alignment`` inside a
    block, so each replica keeps its position modulo the alignment.  Returns
    ``None`` when the group is too small for every part to get a replica.
    """
    candidates = []  # (replicas before the cut, piece index, offset inside it)
    before = 0
    for i, (_, start, stop) in enumerate(pieces):
        for offset in range(0, stop - start, alignment):
            if before + offset > 0:
                candidates.append((before + offset, i, offset))
        before += stop - start
    total = before
    cuts = []
    for part in range(1, parts):
        target = total * part / parts
        usable = [c for c in candidates if not cuts or c[0] > cuts[-1][0]]
        if not usable:
            return None
        cuts.append(min(usable, key=lambda c: abs(c[0] - target)))
    runs, current, cut_index = [], [], 0
    for i, (block, start, stop) in enumerate(pieces):
        while cut_index < len(cuts) and cuts[cut_index][1] == i:
            middle = start + cuts[cut_index][2]
            if middle > start:
                current.append((block, start, middle))
            runs.append(current)
            current, start = [], middle
            cut_index += 1
        current.append((block, start, stop))
    runs.append(current)
    return runs if all(runs) and len(runs) == parts else None


def _plan(groups, blocks, alignment, threads):
    """The shards of a call: each a list of groups, each a list of pieces ``(block, start, stop)``."""
    whole = [[(b, 0, blocks[b].size) for b in group] for group in groups]
    replicas = sum(block.size for block in blocks)
    # A shard below this many replicas costs more in per-step overhead than it saves.
    threads = min(threads, replicas // _MIN_REPLICAS_PER_SHARD)
    for parts in range(threads, 1, -1):
        split = [_cut(pieces, alignment, parts) for pieces in whole]
        if all(runs is not None for runs in split):
            return [[runs[part] for runs in split] for part in range(parts)]
    return [whole]


def _prepare(blocks, x_train, x_test, threads):
    """Lay out one call's replicas in shards, and get (or trace) its graph, in this thread."""
    _check_backend()
    import keras
    import tensorflow as tf

    if not blocks:
        raise ValueError("blocks must not be empty")
    first = blocks[0].experiment
    keys = {call_key(block.experiment) for block in blocks}
    if len(keys) != 1:
        raise ValueError(f"blocks of one call must share network, optimizer kind and batch size, "
                         f"got {sorted(map(str, keys))}")
    shapes = {block.orders.shape[1:] for block in blocks}
    if len(shapes) != 1:
        raise ValueError(f"blocks of one call must share epochs and training rows, got {shapes}")
    epochs = blocks[0].orders.shape[1]
    dtype = keras.config.floatx()
    alignment = block_alignment(dtype)

    # Consecutive blocks with the same loss configuration and targets form a group.
    groups, group_keys = [], []
    for index, block in enumerate(blocks):
        key = _group_key(block)
        if groups and group_keys[-1] == key and _same_targets(blocks[groups[-1][0]], block):
            groups[-1].append(index)
        else:
            groups.append([index])
            group_keys.append(key)

    def as_tensor(array):
        return tf.constant(np.asarray(array, dtype=np.float64), dtype=dtype)

    representatives = [blocks[group[0]] for group in groups]
    # Unweighted groups get an empty placeholder the graph never reads.
    data = (as_tensor(x_train), as_tensor(x_test),
            tuple(as_tensor(target_array(b.y_train, b.experiment)) for b in representatives),
            tuple(as_tensor(target_array(b.y_test, b.experiment)) for b in representatives),
            tuple(as_tensor(np.zeros(0) if b.sample_weight is None else b.sample_weight)
                  for b in representatives))
    kind = _optimizer_kind(first.optimizer)
    network = first.network
    n_slots = 0 if kind == ("sgd", False) else 4

    plan = _plan(groups, blocks, alignment, threads)
    # Padded size of every piece: each but the shard's last to a multiple of the
    # alignment, so each starts where a run of its own would put its first replica;
    # then each group's last piece so that every shard has the same group sizes
    # (one graph for all shards).
    padded = []
    for shard_groups in plan:
        count = sum(len(group) for group in shard_groups)
        sizes, position = [], 0
        for group in shard_groups:
            group_sizes = []
            for _, start, stop in group:
                position += 1
                k = stop - start
                group_sizes.append(k if position == count else -(-k // alignment) * alignment)
            sizes.append(group_sizes)
        padded.append(sizes)
    totals = [max(sum(shard[g]) for shard in padded) for g in range(len(groups))]
    for shard in padded:
        for g, sizes in enumerate(shard):
            sizes[-1] += totals[g] - sum(sizes)

    key = (dtype, first.n_inputs, network.hidden_units, network.hidden_activation,
           network.output_units, kind, first.batch_size, tuple(group_keys), tuple(totals),
           int(np.shape(x_train)[0]), int(np.shape(x_test)[0]), _keras_globals())
    shards = []
    for shard_groups, shard_sizes in zip(plan, padded):
        pieces = [piece for group in shard_groups for piece in group]
        sizes = [size for group in shard_sizes for size in group]
        initial, orders = [], []
        for (b, start, stop), size in zip(pieces, sizes):
            block = blocks[b]
            initial.append(_padded([w[start:stop] for w in block.initial], size))
            orders.append(_padded([block.orders[start:stop]], size)[0])
        params = [as_tensor(np.concatenate(parts)) for parts in zip(*initial)]
        shards.append({
            "pieces": pieces, "sizes": sizes,
            "order": tf.constant(np.concatenate(orders), dtype=tf.int32),
            "params": params,
            "slots": [tf.zeros_like(p) for p in params[:n_slots]],
            "hyper": {name: as_tensor(values) for name, values in _hyperparameters(
                [blocks[b] for b, _, _ in pieces], sizes, dtype).items()},
        })
    function, evaluate = _graph(key, data, n_slots, sorted(shards[0]["hyper"]))
    return {"blocks": blocks, "shards": shards, "function": function, "evaluate": evaluate,
            "data": data, "epochs": epochs}


def _run_shard(call, shard, start, stop):
    import tensorflow as tf

    rows, params, slots = call["function"](call["data"], shard["order"], tuple(shard["params"]),
                                           tuple(shard["slots"]), shard["hyper"],
                                           tf.constant(start), tf.constant(stop))
    shard["params"], shard["slots"] = list(params), list(slots)
    shard.setdefault("history", []).append(rows.numpy())


def _finish_shard(call, shard):
    # Run once, so eagerly: the same functions as in the graph, on the final weights.
    shard["final"] = call["evaluate"](call["data"], shard["params"]).numpy()


def _whole_shard(call, shard):
    _run_shard(call, shard, 0, call["epochs"])
    _finish_shard(call, shard)


def _outcomes(call):
    """Back from shards and pieces to blocks, dropping the padding."""
    parts = [[] for _ in call["blocks"]]
    for shard in call["shards"]:
        history = np.concatenate(shard["history"], axis=0)
        weights = [p.numpy() for p in shard["params"]]
        position = 0
        for (b, start, stop), size in zip(shard["pieces"], shard["sizes"]):
            rows = slice(position, position + stop - start)
            parts[b].append((start, history[:, rows], shard["final"][rows],
                             [w[rows] for w in weights]))
            position += size
    outcomes = []
    for pieces in parts:
        pieces.sort(key=lambda piece: piece[0])
        outcomes.append({
            "history": np.concatenate([p[1] for p in pieces], axis=1).astype(np.float64),
            "final": np.concatenate([p[2] for p in pieces], axis=0).astype(np.float64),
            "weights": [np.concatenate(ws, axis=0).astype(np.float64)
                        for ws in zip(*(p[3] for p in pieces))],
        })
    return outcomes


def _in_parallel(tasks, threads):
    """Run ``(function, *args)`` tasks on the engine's threads (here if there is one)."""
    if threads == 1 or len(tasks) == 1:
        for function, *args in tasks:
            function(*args)
        return
    for future in [_pool(threads).submit(*task) for task in tasks]:
        future.result()


def train_calls(calls, *, progress=None):
    """Train several independent calls, each in its own graph, their shards side by side.

    Parameters
    ----------
    calls : list of tuple
        ``(blocks, x_train, x_test)`` as :func:`train_blocks` takes them.
    progress : list of callable, optional
        One per call, called as ``progress(epochs_done, epochs_total)``; the calls
        then run one after another, in chunks of epochs, reported from this thread.

    Returns
    -------
    list of list of dict
        Per call, what :func:`train_blocks` returns.

    Every graph is traced (or found in the cache) in this thread before anything
    runs; then the shards of all calls run on :func:`set_threads` threads, the
    longest first.  Each replica computes the same numbers whichever thread runs it.
    """
    threads = _thread_count()
    # Splitting one call into shards pays only when there are fewer calls than threads.
    prepared = [_prepare(blocks, x_train, x_test, threads if len(calls) < threads else 1)
                for blocks, x_train, x_test in calls]
    if progress is None:
        tasks = [(_whole_shard, call, shard) for call in prepared for shard in call["shards"]]
        # Longest first: replica-steps of work (replicas x epochs x rows).
        tasks.sort(key=lambda task: -task[2]["order"].shape[0] * task[1]["epochs"]
                   * task[2]["order"].shape[2])
        _in_parallel(tasks, threads)
    else:
        for call, report in zip(prepared, progress):
            # The graph and its arithmetic are the same as in one call, only the
            # Python round trips differ.
            epochs = call["epochs"]
            chunk = max(1, math.ceil(epochs / 20))
            for start in range(0, epochs, chunk):
                stop = min(start + chunk, epochs)
                _in_parallel([(_run_shard, call, shard, start, stop) for shard in call["shards"]],
                             threads)
                report(stop, epochs)  # from this thread: a notebook shows it in the right cell
            _in_parallel([(_finish_shard, call, shard) for shard in call["shards"]], threads)
    return [_outcomes(call) for call in prepared]


def train_blocks(blocks, x_train, x_test, *, progress=None):
    """Train several blocks side by side in one traced graph.

    Parameters
    ----------
    blocks : list of Block
        Experiments with equal :func:`call_key` and the same epoch count and
        number of training rows (``orders`` of equal shape after the first axis).
        Blocks with different losses, output activations or targets form
        groups: each group's slice of the replica axis goes through its own
        activation, loss and metric.
    x_train, x_test : numpy.ndarray
        Features shared by every block.
    progress : callable, optional
        Called as ``progress(epochs_done, epochs_total)`` between chunks of epochs.

    Returns
    -------
    list of dict
        One per block: ``history`` ``(epochs, k, 4)``, ``final`` ``(k, 4)``
        (columns train loss, test loss, train metric, test metric), ``weights``
        (list of ``(k, ...)`` arrays).
    """
    return train_calls([(blocks, x_train, x_test)],
                       progress=None if progress is None else [progress])[0]


def train(experiment, split, initial, orders, *, progress=None):
    """Train the replicas of one experiment; return per-epoch history, final scores and weights.

    Parameters
    ----------
    experiment : lossguide.experiments.Experiment
    split : lossguide.datasets.Split
    initial : list of numpy.ndarray
        ``[W1, b1, W2, b2]``, each with a leading replica axis of length K.
    orders : numpy.ndarray
        Integer array ``(K, epochs, n_train)``: each replica's row order per epoch.
    progress : callable, optional
        Called as ``progress(epochs_done, epochs_total)`` between chunks of epochs.

    Returns
    -------
    dict
        ``history`` ``(epochs, K, 4)``, ``final`` ``(K, 4)`` (columns train loss,
        test loss, train metric, test metric), ``weights`` (list of ``(K, ...)`` arrays).
    """
    block = Block(experiment, list(initial), np.asarray(orders), split.y_train, split.y_test)
    return train_blocks([block], split.x_train, split.x_test, progress=progress)[0]
