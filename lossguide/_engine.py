"""Train K replicas of one small MLP together, in one TensorFlow graph.

Why this exists: a Keras ``fit`` of the tutorial's networks spends nearly all its
time in per-step Python and dispatch overhead, so K seeds cost K times one run.
Here every parameter carries a leading replica axis (kernel ``(K, in, out)``), a
batch is gathered per replica from that replica's own shuffled order, and the
whole training (epochs, steps, test evaluation) is a ``tf.while_loop`` inside one
``tf.function``: the overhead is paid once for all K replicas.

Replica ``k`` computes exactly what Keras computes for one model: the same Keras
activation functions (named by :data:`lossguide.experiments.ACTIVATIONS`, the
table the NumPy forward pass uses too), the same loss functions (so Keras's
shortcuts, e.g. taking the logits behind a sigmoid or softmax for cross-entropy,
apply identically), the same metric functions (:func:`lossguide.metrics.keras_accuracy`:
one decision rule everywhere), the same per-batch mean, and the optimizer update
written with the same ``keras.ops`` calls as ``keras/src/optimizers/sgd.py`` and
``rmsprop.py``.  The test suite checks this against ``Sequential.fit`` to 1e-9.

TensorFlow and Keras are imported inside :func:`train`, on first use.
"""

from __future__ import annotations

import math

import numpy as np

# Independent NumPy streams per seed: initial weights and batch orders never
# share random numbers, so changing the epoch count leaves initial weights, and
# the orders of the first epochs, unchanged.
_INIT_STREAM, _ORDER_STREAM = 0, 1


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


def _check_backend():
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "the multi-seed engine needs Keras's TensorFlow backend, got "
            f"KERAS_BACKEND={keras.backend.backend()!r}"
        )


def train(experiment, split, initial, orders, *, progress=None):
    """Train the replicas; return per-epoch history, final scores and weights.

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
    _check_backend()
    import keras
    import tensorflow as tf
    from keras import ops

    from .experiments import ACTIVATIONS

    dtype = keras.config.floatx()
    replicas, epochs, n_train = orders.shape
    batch_size = experiment.batch_size
    steps = -(-n_train // batch_size)  # ceiling: the last, smaller batch is a step too

    network = experiment.network
    hidden = keras.activations.get(ACTIVATIONS[network.hidden_activation].keras)
    output = keras.activations.get(ACTIVATIONS[network.output_activation].keras)
    loss_function = keras.losses.get(experiment.loss)
    loss_options = dict(experiment.loss_options)
    metric = experiment.keras_metric()
    # "mse" names keras.metrics.mean_squared_error (keras.metrics.get would return
    # a stateful MeanSquaredError object instead of the function).
    metric_function = keras.metrics.mean_squared_error if metric == "mse" else metric

    def prepare_targets(y):
        # Integer labels stay (n,) for the sparse loss, which casts them back to
        # int; everything else becomes (n, outputs) like Keras's
        # squeeze_or_expand_to_same_rank makes a (batch,) target for a (batch, 1) output.
        y = np.asarray(y, dtype=np.float64)
        if split.targets != "int" and y.ndim == 1:
            y = y[:, None]
        return tf.constant(y, dtype=dtype)

    x_train = tf.constant(split.x_train, dtype=dtype)
    x_test = tf.constant(split.x_test, dtype=dtype)
    y_train, y_test = prepare_targets(split.y_train), prepare_targets(split.y_test)
    # Whole-set evaluation: the outputs are (K, n, out), and some Keras losses
    # insist on targets of the same rank, so give every replica its own copy.
    y_train_all = tf.broadcast_to(y_train, [replicas, *y_train.shape])
    y_test_all = tf.broadcast_to(y_test, [replicas, *y_test.shape])
    order = tf.constant(orders, dtype=tf.int32)
    params = [tf.Variable(np.asarray(w), dtype=dtype) for w in initial]

    def forward(x):
        # x is (K, n, in) per replica, or (n, in) shared: matmul broadcasts it.
        kernel1, bias1, kernel2, bias2 = params
        h = hidden(tf.matmul(x, kernel1) + bias1[:, None, :])
        return output(tf.matmul(h, kernel2) + bias2[:, None, :])

    def per_sample_loss(y_true, y_pred):
        return loss_function(y_true, y_pred, **loss_options)

    def per_sample_metric(y_true, y_pred):
        # Keras's metric functions expect (batch, ...) tensors, and some squeeze a
        # trailing axis of length 1 (a batch of one row): fold the replica axis
        # into the batch, score, and unfold.
        flat_true = tf.reshape(y_true, [-1, *y_true.shape[2:]])
        flat_pred = tf.reshape(y_pred, [-1, y_pred.shape[-1]])
        return tf.reshape(metric_function(flat_true, flat_pred), tf.shape(y_pred)[:2])

    def mean_over_samples(values):
        # Keras's "sum_over_batch_size": sum, then divide by the batch's own size
        # (the last batch of 500 % 32 = 20 rows is averaged over 20, not 32).
        return tf.reduce_sum(values, axis=1) / tf.cast(tf.shape(values)[1], dtype)

    # The slot variables live on in apply_update's closure.
    apply_update = _optimizer(experiment.optimizer, params, ops, tf, dtype)

    @tf.function(
        input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)],
        autograph=True,
        reduce_retracing=True,
    )
    def run_epochs(start, stop):
        rows = tf.TensorArray(dtype, size=stop - start)
        for epoch in tf.range(start, stop):
            loss_sum = tf.zeros([replicas], dtype)
            metric_sum = tf.zeros([replicas], dtype)
            for step in tf.range(steps):
                low = step * batch_size
                high = tf.minimum(low + batch_size, n_train)
                index = order[:, epoch, low:high]  # (K, batch): each replica its own rows
                x_batch = tf.gather(x_train, index)
                y_batch = tf.gather(y_train, index)
                size = tf.cast(high - low, dtype)
                with tf.GradientTape() as tape:
                    y_pred = forward(x_batch)
                    batch_loss = mean_over_samples(per_sample_loss(y_batch, y_pred))
                    # Replicas share no parameters, so the gradient of the sum
                    # with respect to replica k's weights is that of its own loss.
                    total = tf.reduce_sum(batch_loss)
                gradients = tape.gradient(total, params)
                apply_update(gradients)
                # Keras's running epoch loss: batch means weighted by batch size.
                loss_sum += batch_loss * size
                metric_sum += mean_over_samples(per_sample_metric(y_batch, y_pred)) * size
            test_pred = forward(x_test)
            test_loss = mean_over_samples(per_sample_loss(y_test_all, test_pred))
            test_metric = mean_over_samples(per_sample_metric(y_test_all, test_pred))
            rows = rows.write(
                epoch - start,
                tf.stack([loss_sum / n_train, test_loss, metric_sum / n_train, test_metric], axis=1),
            )
        return rows.stack()

    # Run once, so eagerly: tracing a graph for a single call costs more than it saves.
    def evaluate():
        scores = []
        for x, y in ((x_train, y_train_all), (x_test, y_test_all)):
            y_pred = forward(x)
            scores.append((mean_over_samples(per_sample_loss(y, y_pred)),
                           mean_over_samples(per_sample_metric(y, y_pred))))
        (train_loss, train_metric), (test_loss, test_metric) = scores
        return tf.stack([train_loss, test_loss, train_metric, test_metric], axis=1)

    # Every run builds (and traces) its own graph once, by design; without this,
    # TensorFlow logs a "frequent retracing" warning to stderr from the sixth run
    # on, which a notebook would save as output.  (Private flag, also set by
    # TensorFlow's own SavedModel loader; if it disappears only the warning returns.)
    run_epochs._omit_frequent_tracing_warning = True

    # One call for the whole run unless a progress bar wants updates; the graph and
    # its arithmetic are the same either way, only the Python round trips differ.
    chunk = epochs if progress is None else max(1, math.ceil(epochs / 20))
    history = []
    for start in range(0, epochs, chunk):
        stop = min(start + chunk, epochs)
        history.append(run_epochs(tf.constant(start), tf.constant(stop)).numpy())
        if progress is not None:
            progress(stop, epochs)
    return {
        "history": np.concatenate(history, axis=0).astype(np.float64),
        "final": evaluate().numpy().astype(np.float64),
        "weights": [p.numpy().astype(np.float64) for p in params],
    }


def _optimizer(optimizer, params, ops, tf, dtype):
    """An update function mirroring Keras 3's SGD / RMSprop; its slot variables live in it.

    ``optimizer`` is a :class:`lossguide.experiments.SGD` or ``RMSprop``, checked
    when the experiment was made.
    """
    # Keras keeps the learning rate in a floatx variable and casts it per update.
    lr = tf.constant(optimizer.learning_rate, dtype=dtype)
    velocities = [tf.Variable(tf.zeros_like(p)) for p in params]
    if optimizer.name == "sgd":
        momentum = optimizer.momentum

        def apply_update(gradients):
            if momentum != 0:
                # ops.cast of a Python float goes through float32 in Keras's TF
                # backend (0.9 -> 0.8999999761581421); use the very same call.
                m_factor = ops.cast(momentum, dtype)
                for p, m, g in zip(params, velocities, gradients):
                    m.assign(ops.subtract(ops.multiply(m, m_factor), ops.multiply(g, lr)))
                    p.assign_add(m)
            else:
                for p, g in zip(params, gradients):
                    p.assign_sub(ops.multiply(g, lr))

        return apply_update
    if optimizer.name == "rmsprop":
        rho, epsilon = optimizer.rho, optimizer.epsilon

        def apply_update(gradients):
            for p, v, g in zip(params, velocities, gradients):
                # keras/src/optimizers/rmsprop.py, momentum=0, centered=False:
                # epsilon is added inside the square root.
                v.assign(ops.add(ops.multiply(rho, v), ops.multiply(1 - rho, ops.square(g))))
                increment = ops.divide(ops.multiply(lr, g), ops.sqrt(ops.add(v, epsilon)))
                p.assign_sub(increment)

        return apply_update
    raise ValueError(f"optimizer name must be 'sgd' or 'rmsprop', got {optimizer.name!r}")
