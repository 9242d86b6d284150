"""
The sans-IO core of both flavours: nothing here sends a request or sleeps.

Settings, request building and parsing, the middleware chain, retry and deadlines,
pagination and polling state, errors, redaction and transfer checks; ``_async`` and
``_sync`` build on it. CONTRIBUTING.md says where each concern lives.
"""
