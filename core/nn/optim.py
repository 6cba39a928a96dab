"""Optimisers that update a network's parameters in place from their gradients."""

import numpy as np

from ..choices import OPTIMIZER_CHOICES, keys

__all__ = ["SGD", "Adam", "OPTIMIZERS", "make_optimizer"]


def _positive(value, name):
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def _fraction(value, name):
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


class SGD:
    """Stochastic gradient descent with momentum: ``v = μ·v − lr·g``, ``p += v``.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([1.0])
    >>> SGD(lr=0.5).step([(p, np.array([2.0]))])
    >>> p
    array([0.])
    """

    name = "sgd"

    def __init__(self, lr=0.05, momentum=0.9):
        self.lr = _positive(lr, "lr")
        self.momentum = _fraction(momentum, "momentum")
        self._velocity = {}

    def step(self, pairs):
        """Update each parameter of ``pairs`` (``[(param, grad)]``) in place."""
        for param, grad in pairs:
            if self.momentum == 0:
                param -= self.lr * grad
                continue
            v = self._velocity.get(id(param))
            if v is None:
                v = self._velocity[id(param)] = np.zeros_like(param)
            v *= self.momentum
            v -= self.lr * grad
            param += v


class Adam:
    """Adam (Kingma & Ba): per-parameter steps from running means of the gradient and its square.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([1.0])
    >>> Adam(lr=0.1).step([(p, np.array([3.0]))])
    >>> p.round(6)              # the first step is lr in the gradient's direction
    array([0.9])
    """

    name = "adam"

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = _positive(lr, "lr")
        self.beta1 = _fraction(beta1, "beta1")
        self.beta2 = _fraction(beta2, "beta2")
        self.eps = _positive(eps, "eps")
        self._moments = {}
        self._t = 0

    def step(self, pairs):
        """Update each parameter of ``pairs`` (``[(param, grad)]``) in place."""
        self._t += 1
        b1, b2 = self.beta1, self.beta2
        scale = self.lr * np.sqrt(1 - b2 ** self._t) / (1 - b1 ** self._t)
        for param, grad in pairs:
            moments = self._moments.get(id(param))
            if moments is None:
                moments = self._moments[id(param)] = (np.zeros_like(param),
                                                      np.zeros_like(param))
            m, v = moments
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * np.square(grad)
            param -= scale * m / (np.sqrt(v) + self.eps)


_DEFAULT_RATES = {"adam": 0.001, "sgd": 0.05}
#: Optimiser names understood by :func:`make_optimizer` (those of
#: :data:`core.choices.OPTIMIZER_CHOICES`), with their default learning rates.
OPTIMIZERS = {key: _DEFAULT_RATES[key] for key in keys(OPTIMIZER_CHOICES)}


def make_optimizer(name, lr=None):
    """``make_optimizer('adam')`` or ``make_optimizer('sgd', lr=0.1)``.

    Examples
    --------
    >>> make_optimizer("sgd").lr
    0.05
    """
    if name == "adam":
        return Adam(lr=OPTIMIZERS["adam"] if lr is None else lr)
    if name == "sgd":
        return SGD(lr=OPTIMIZERS["sgd"] if lr is None else lr)
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
