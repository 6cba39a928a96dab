"""Convolution Explorer's desktop application (PyQt5 + pyqtgraph)."""
