"""
The asynchronous flavour: the client, its sender, pages and one module per namespace.

``scripts/unasync.py`` generates the sync tree from this one, file by file.
"""
