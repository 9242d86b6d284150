"""
What every command shares: its settings, its client, and the one place failures end.

A command runs inside :func:`command_scope`, which opens the client on first use, closes
it, and turns whatever the command ends with into a one-line message and the exit
status of its class (``_exit_status``). ``--debug`` adds the traceback, with keys and
signed links redacted.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import typer

from velerian_sdk import (
    NOT_GIVEN,
    VelerianClient,
    VelerianError,
    VelerianRunTimeoutError,
)

from ._exit_status import ExitStatus, exit_status_of
from ._output import Output

__all__ = [
    "CommandError",
    "CommandScope",
    "Settings",
    "command_scope",
    "redact",
    "resume_details",
]

API_KEY_ENV = "VELERIAN_API_KEY"


class CommandError(Exception):
    """
    A command cannot go on: what to tell the user, and the exit status.

    Args:
        message: One line that says what to fix.
        status: The exit status.
        extra: Named values shown under the message and put in the ``--json`` error.
    """

    def __init__(
        self, message: str, status: ExitStatus, *, extra: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra: dict[str, str] = dict(extra or {})


@dataclass(frozen=True)
class Settings:
    """
    The root options, shared by every command.

    Attributes:
        base_url: The API's origin; ``None`` for ``VELERIAN_BASE_URL`` or the default.
        max_retries: Retries per request; ``None`` for the client's default.
        timeout: Seconds per request; ``None`` for the client's default.
    """

    base_url: str | None = None
    max_retries: int | None = None
    timeout: float | None = None


@dataclass
class CommandScope:
    """
    One command's output and (opened on first use) client.

    Attributes:
        output: Where results and messages go.
        settings: The root options.
    """

    output: Output
    settings: Settings
    _client: VelerianClient | None = field(default=None, init=False)

    def client(self) -> VelerianClient:
        """
        Give the command's client, opening it on first call from the environment.

        Returns:
            The client.

        Raises:
            CommandError: ``VELERIAN_API_KEY`` is not set.
        """
        if self._client is None:
            if not os.environ.get(API_KEY_ENV, "").strip():
                msg = f"no API key: set {API_KEY_ENV} to your key (vk_live_...) and rerun"
                raise CommandError(msg, ExitStatus.USAGE)
            settings = self.settings
            retries = NOT_GIVEN if settings.max_retries is None else settings.max_retries
            timeout = NOT_GIVEN if settings.timeout is None else settings.timeout
            client = VelerianClient(
                base_url=settings.base_url, max_retries=retries, timeout=timeout
            )
            self._client = client
        return self._client

    def close(self) -> None:
        """Close the client, if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None


def settings_of(ctx: typer.Context) -> Settings:
    """The root options, from the command's context (defaults when run on its own)."""
    root = ctx.find_root().obj
    return root if isinstance(root, Settings) else Settings()


@contextmanager
def command_scope(
    ctx: typer.Context, *, json_mode: bool, debug: bool
) -> Generator[CommandScope, None, None]:
    """
    Run a command's body: close its client after, and end any failure with its status.

    Args:
        ctx: The command's context (for the root options).
        json_mode: ``--json``: errors are reported as one JSON line.
        debug: ``--debug``: a redacted traceback follows the message.

    Yields:
        The command's scope.

    Raises:
        typer.Exit: With the exit status of the failure's class.
    """
    scope = CommandScope(Output(json_mode=json_mode), settings_of(ctx))
    try:
        yield scope
    except BrokenPipeError:
        # The reader went away (`velerian audit list | head`): stop quietly, as a filter
        # does, and keep Python from complaining as it flushes stdout on the way out.
        _silence_stdout()
        raise typer.Exit(ExitStatus.ERROR) from None
    except CommandError as failure:
        _report(
            scope.output,
            error=failure,
            status=failure.status,
            message=failure.message,
            extra=failure.extra,
            debug=debug,
        )
        raise typer.Exit(failure.status) from None
    except VelerianError as error:
        status = exit_status_of(error)
        _report(
            scope.output,
            error=error,
            status=status,
            message=redact(str(error)),
            extra=_details_of(error),
            debug=debug,
        )
        raise typer.Exit(status) from None
    except KeyboardInterrupt:
        scope.output.error("interrupted", 130, "interrupted", {})
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # noqa: BLE001 - the boundary: nothing escapes as a traceback
        message = f"unexpected {type(error).__name__}: {redact(str(error))} (rerun with --debug)"
        _report(
            scope.output,
            error=error,
            status=ExitStatus.ERROR,
            message=message,
            extra={},
            debug=debug,
        )
        raise typer.Exit(ExitStatus.ERROR) from None
    finally:
        scope.close()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's runner): nothing to flush
        pass


def _details_of(error: VelerianError) -> dict[str, str]:
    """What a script needs to act on some errors: the run to resume."""
    if isinstance(error, VelerianRunTimeoutError):
        return resume_details(error.run_id)
    return {}


def resume_details(run_id: str) -> dict[str, str]:
    """The run to collect later, and the command that collects it."""
    return {"run_id": run_id, "resume": f"velerian runs wait {run_id}"}


def _report(
    output: Output,
    *,
    error: BaseException,
    status: ExitStatus,
    message: str,
    extra: Mapping[str, str],
    debug: bool,
) -> None:
    if status is ExitStatus.RUN_PENDING and isinstance(error, VelerianRunTimeoutError):
        message = (
            f"run {error.run_id} still {error.status or 'going'} after "
            f"{error.waited_s:.0f}s: not cancelled, it may still finish"
        )
    if debug:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        sys.stderr.write(redact(text))
        sys.stderr.flush()
    output.error(status.label, int(status), message, extra)


_KEY = re.compile(r"vk_(?:live|test)_[A-Za-z0-9_\-]+")
_SIGNED_QUERY = re.compile(r"(https?://[^\s\"'?#]+)\?[^\s\"'#]*")


def redact(text: str) -> str:
    """
    Hide what a message or traceback must never show: keys and signed link queries.

    Args:
        text: The text.

    Returns:
        The text with every API key and the query of every link replaced.
    """
    key = os.environ.get(API_KEY_ENV, "").strip()
    if len(key) >= 8:
        text = text.replace(key, "<redacted key>")
    text = _KEY.sub("<redacted key>", text)
    return _SIGNED_QUERY.sub(r"\1?<redacted>", text)
