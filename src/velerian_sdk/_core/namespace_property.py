"""
The descriptor behind the clients' namespaces (``client.abps``, ``client.runs``...).

It does what :func:`functools.cached_property` does: the first read builds the
namespace and stores it in the client's ``__dict__`` under the same name, so every
later read is a plain instance attribute lookup that never calls back into the
descriptor. It exists because editors read ``cached_property`` badly: jedi offers the
descriptor's own attributes (``attrname``, ``func``, ``lock``) beside the namespace's
methods. This class declares one ``__get__`` that returns the namespace type and
nothing else, which jedi, pyright and mypy all infer as that type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["NamespaceProperty"]

_Owner = TypeVar("_Owner")
_Namespace = TypeVar("_Namespace")


class NamespaceProperty(Generic[_Owner, _Namespace]):
    """
    A read-only attribute built on first read and then cached on the instance.

    Args:
        func: Builds the namespace from the client; its name becomes the attribute's
            name and its docstring the attribute's docstring.
    """

    func: Callable[[_Owner], _Namespace]
    name: str

    def __init__(self, func: Callable[[_Owner], _Namespace]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    # One signature, without a class-access overload: an overload returning the
    # descriptor makes jedi offer the descriptor's attributes again. Reading the
    # attribute on the class still returns the descriptor at run time (tests and
    # documentation tools do that); type checkers are told only about instances.
    def __get__(self, instance: _Owner, owner: type[_Owner] | None = None) -> _Namespace:
        if instance is None:
            return self  # type: ignore[return-value]
        # A non-data descriptor (no __set__): once the value is in the instance's
        # __dict__, attribute lookup finds it there and never calls us again.
        # setdefault keeps one namespace per client if two threads race the first read.
        namespace: _Namespace = vars(instance).setdefault(self.name, self.func(instance))
        return namespace
