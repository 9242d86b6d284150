"""
The response models, one module per topic.

This package imports nothing on its own: the package root loads a topic's module the
first time one of its names is used, so that ``import velerian_sdk`` stays cheap.
"""

__all__: list[str] = []
