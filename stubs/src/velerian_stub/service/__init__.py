"""
The API's rules: who may call, what each operation changes, and what it answers.

Every statement it runs is a named function of ``store``: this layer holds no SQL text.
"""

from __future__ import annotations

__all__: list[str] = []
