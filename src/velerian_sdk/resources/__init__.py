"""
The resource namespaces that hang off the clients (``client.runs``, ``client.abps``...).

Each topic is a package with the synchronous class and its ``Async`` twin, e.g.
:class:`velerian_sdk.resources.runs.Runs` and
:class:`velerian_sdk.resources.runs.AsyncRuns`. You reach them through a client's
properties; import them from here only to annotate your own code. A topic is imported
the first time its property is used, so ``import velerian_sdk`` stays cheap.
"""

__all__: list[str] = []
