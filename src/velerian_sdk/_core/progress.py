"""
Progress reporting for long transfers and waits: a callback protocol and a tqdm adapter.

Any callable taking ``(done, total)`` is a progress callback. :class:`TqdmProgress`
draws a bar with ``tqdm`` when it is installed; the SDK does not depend on ``tqdm`` and
imports it only when the adapter is built.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, Protocol

from typing_extensions import Self

from .errors import VelerianArgumentError, with_scrubbed_cause

if TYPE_CHECKING:
    from tqdm import tqdm as Tqdm  # noqa: N812 - the class, named as a type

__all__ = ["ProgressCallback", "TqdmProgress"]


class ProgressCallback(Protocol):
    """
    Called as work advances: ``callback(done, total)``.

    For transfers ``done`` and ``total`` count bytes; ``total`` is ``None`` when the size
    is not known in advance. Called from the thread (or task) doing the work, so it
    should return quickly.

    .. versionadded:: 0.2.0
    """

    def __call__(self, done: int, total: int | None, /) -> None:
        """
        Report progress.

        Args:
            done: Units done so far.
            total: Units expected in all, if known.
        """


class TqdmProgress:
    """
    A :class:`ProgressCallback` that draws a ``tqdm`` bar (needs the ``tqdm`` extra).

    In a terminal it draws a text bar; in a notebook, use ``notebook=True`` for the
    widget. Use it as a context manager so that the bar is closed at the end.

    Args:
        description: The label left of the bar.
        unit: What is counted (``"B"`` scales to kB, MB...).
        notebook: Draw the Jupyter widget instead of the text bar.

    Raises:
        VelerianArgumentError: ``tqdm`` is not installed (install ``velerian-sdk[tqdm]``),
            or, with ``notebook=True``, the widget cannot be drawn (no ``ipywidgets``).

    Example:
        .. code-block:: python

            from velerian_sdk import TqdmProgress

            with TqdmProgress("evidence") as bar:
                client.evidence.download(export, "evidence.json", progress=bar)

    .. versionadded:: 0.2.0
    """

    def __init__(self, description: str = "", *, unit: str = "B", notebook: bool = False) -> None:
        self._bar: Tqdm[NoReturn] = _new_bar(description, unit=unit, notebook=notebook)
        self._done = 0

    def __call__(self, done: int, total: int | None, /) -> None:
        """
        Move the bar to ``done`` of ``total``.

        Args:
            done: Units done so far.
            total: Units expected in all, if known.
        """
        if total is not None and self._bar.total != total:
            self._bar.total = total
            self._bar.refresh()
        if done < self._done:  # the transfer restarted after a dropped connection
            self._bar.reset(total=total)
            self._done = 0
        self._bar.update(done - self._done)
        self._done = done

    def set_status(self, status: str) -> None:
        """
        Show a short status next to the bar, e.g. a run's ``running``.

        Args:
            status: The text to show.
        """
        self._bar.set_postfix_str(status)

    def close(self) -> None:
        """Finish the bar."""
        self._bar.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _new_bar(description: str, *, unit: str, notebook: bool) -> Tqdm[NoReturn]:
    bar_class = _bar_class(notebook=notebook)
    try:
        return bar_class(
            desc=description, unit=unit, unit_scale=unit == "B", unit_divisor=1024, total=None
        )
    except ImportError as exc:  # tqdm's notebook widget needs ipywidgets
        msg = f"TqdmProgress(notebook=True) cannot draw its widget: {exc}"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure


def _bar_class(*, notebook: bool) -> type[Tqdm[NoReturn]]:
    try:
        import tqdm
        import tqdm.notebook

        return tqdm.notebook.tqdm_notebook if notebook else tqdm.tqdm
    except ImportError as exc:
        msg = (
            "TqdmProgress draws its bar with tqdm, which is not installed: install the "
            "velerian-sdk[tqdm] extra (or tqdm itself), or pass your own progress callback"
        )
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure
