"""A small convolutional network in NumPy: layers, their gradients, optimisers, training.

Built on the same engine as the explorer (:func:`core.conv2d`, :func:`core.pool2d`), so what a
student sees a kernel do in the window is exactly what the network computes.

>>> import numpy as np
>>> from core.nn import build_network
>>> net = build_network("conv:8x5x5,relu,maxpool:2", (28, 28), 10)
>>> [shape for shape in net.shapes]
[(28, 28, 1), (24, 24, 8), (24, 24, 8), (12, 12, 8), (1152,), (10,)]
"""

from .data import VALID_KEYS, network_for, training_split
from .layers import AvgPool, Conv2D, Dense, Flatten, Layer, MaxPool, ReLU, layer_from_config
from .loss import softmax, softmax_cross_entropy
from .model_file import MODEL_FORMAT, export_kernels, load_model, save_model
from .network import DEFAULT_LAYERS, Network, build_network, parse_layers, prepare_images
from .receptive import Field, input_region, receptive_fields
from .optim import OPTIMIZERS, SGD, Adam, make_optimizer
from .training import Progress, accuracy, check_labels, confusion_matrix, train

__all__ = [
    "Layer", "Conv2D", "ReLU", "MaxPool", "AvgPool", "Flatten", "Dense", "layer_from_config",
    "softmax", "softmax_cross_entropy", "Network", "build_network", "parse_layers",
    "prepare_images", "SGD", "Adam", "OPTIMIZERS", "make_optimizer", "Progress", "train",
    "accuracy", "check_labels", "confusion_matrix", "MODEL_FORMAT", "save_model", "load_model",
    "export_kernels", "VALID_KEYS", "network_for", "training_split", "Field", "input_region",
    "receptive_fields", "DEFAULT_LAYERS",
]
