"""Softmax cross-entropy: the loss of a classifier and its gradient with respect to the logits."""

import numpy as np

__all__ = ["softmax", "softmax_cross_entropy"]


def softmax(logits):
    """Row-wise softmax of ``(n, k)`` logits, computed without overflow.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]])).round(3)
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of ``softmax(logits)`` against integer ``labels``, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (n, k)
    labels : ndarray of int, shape (n,)
        Each in ``0 .. k-1``.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (n, k)
        ``(softmax(logits) - onehot(labels)) / n``.

    Examples
    --------
    >>> import numpy as np
    >>> loss, grad = softmax_cross_entropy(np.zeros((1, 4)), np.array([2]))
    >>> round(loss, 4)          # log 4
    1.3863
    >>> grad
    array([[ 0.25,  0.25, -0.75,  0.25]])
    """
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_norm
    rows = np.arange(n)
    loss = float(-log_probs[rows, labels].mean())
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1
    grad /= n
    return loss, grad
