"""
The ``velerian-stub`` command: parse flags, open the database, print the env, serve.

Before serving it prints, one per line and flushed, ``export NAME=value`` lines for
the ``VELERIAN_*`` variables a client needs, then ``VELERIAN_STUB_ADMIN_TOKEN``, the
token of the ``/_stub`` routes; ``--env-file`` writes the same lines to a new file,
removed at stop (:mod:`velerian_stub.harness.env_file`). It then keeps the terminal until
stopped (Ctrl+C, ``SIGTERM``, or ``SIGHUP`` when the terminal closes);
``--background`` starts it detached instead. With ``--port 0`` it binds the socket
itself first, so the printed port is the one actually listening.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from velerian_stub.harness.background import (
    BACKGROUND_FLAG,
    DEFAULT_LOG_FILE,
    exit_on_signal,
    ready_file,
    start_in_background,
)
from velerian_stub.harness.env_file import (
    EnvFileError,
    WrittenEnvFile,
    check_env_file_path,
    remove_env_file,
    write_env_file,
)
from velerian_stub.harness.shell_env import format_env_lines, source_command
from velerian_stub.http.app import create_app
from velerian_stub.service.admin_token import (
    ADMIN_TOKEN_ENV,
    AdminTokenError,
    check_admin_token_format,
)
from velerian_stub.service.config import (
    DEFAULT_DB_PATH,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PORT,
    StubConfig,
)
from velerian_stub.service.context import context_of

__all__ = ["build_parser", "config_from_args", "main"]

_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _admin_token(text: str) -> str:
    try:
        check_admin_token_format(text)
    except AdminTokenError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None
    return text


def _env_file(text: str) -> Path:
    # Checked here, before anything starts, so that a second stub, a background start
    # included, is refused before it can bind a port or touch the file.
    path = Path(text)
    try:
        check_env_file_path(path)
    except (EnvFileError, OSError) as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None
    return path


def build_parser() -> argparse.ArgumentParser:
    """
    Describe the command line.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="velerian-stub",
        description="Serve a local, stateful stand-in for the Velerian v2 API.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=_non_negative_int,
        default=DEFAULT_PORT,
        help="0 picks a free port (default %(default)s)",
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB_PATH, help="SQLite file, or :memory: (default %(default)s)"
    )
    parser.add_argument("--api-key", help="the seeded owner key (default: mint a vk_live_ key)")
    parser.add_argument(
        "--admin-token",
        type=_admin_token,
        default=os.environ.get(ADMIN_TOKEN_ENV) or None,
        help=f"the token of the /_stub admin routes (default: ${ADMIN_TOKEN_ENV}, else random)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="BYTES",
        help="largest request body outside /_storage/, else 413 (default %(default)s)",
    )
    parser.add_argument(
        "--sparse",
        action="store_true",
        help="send only the fields the contract requires in every response",
    )
    parser.add_argument(
        "--fail-before",
        type=_rate,
        default=0.0,
        metavar="RATE",
        help="fraction of /api/ requests answered 503 unprocessed",
    )
    parser.add_argument(
        "--fail-after",
        type=_rate,
        default=0.0,
        metavar="RATE",
        help="fraction of /api/ requests processed, then answered 502",
    )
    parser.add_argument(
        "--rate-limit",
        type=_positive_int,
        metavar="N",
        help="requests per second per API key, then 429",
    )
    parser.add_argument(
        "--latency-ms",
        type=_non_negative_int,
        default=0,
        metavar="MS",
        help="delay added to each request",
    )
    parser.add_argument(
        "--seed", type=int, help="seed of the fault decisions, for reproducible runs"
    )
    parser.add_argument(
        "--presign-ttl",
        type=_positive_int,
        default=900,
        metavar="SECONDS",
        help="lifetime of presigned links (default %(default)s)",
    )
    parser.add_argument(
        "--run-queue-ms",
        type=_non_negative_int,
        default=200,
        metavar="MS",
        help="time a network run stays queued (default %(default)s)",
    )
    parser.add_argument(
        "--run-duration-ms",
        type=_non_negative_int,
        default=1000,
        metavar="MS",
        help="time a network run stays running (default %(default)s)",
    )
    parser.add_argument(
        "--env-file",
        type=_env_file,
        metavar="PATH",
        help="also write the export lines to PATH, a new file (mode 0600; removed at stop)",
    )
    parser.add_argument(
        BACKGROUND_FLAG,
        action="store_true",
        help="start the server detached, print its export lines and VELERIAN_STUB_PID, return",
    )
    parser.add_argument(
        "--log-file",
        type=Path,
        metavar="PATH",
        help=f"with {BACKGROUND_FLAG}: the server's output (default ./{DEFAULT_LOG_FILE})",
    )
    parser.add_argument(
        "--log-level",
        choices=_LOG_LEVELS,
        default="info",
        help="uvicorn log level (default %(default)s)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> StubConfig:
    """
    Turn parsed flags into the stub's settings.

    Args:
        args: The result of :func:`build_parser`'s ``parse_args``.

    Returns:
        The settings.
    """
    return StubConfig(
        db_path=str(args.db),
        api_key=None if args.api_key is None else str(args.api_key),
        fail_before=float(args.fail_before),
        fail_after=float(args.fail_after),
        rate_limit=None if args.rate_limit is None else int(args.rate_limit),
        latency_ms=int(args.latency_ms),
        seed=None if args.seed is None else int(args.seed),
        presign_ttl_s=int(args.presign_ttl),
        run_queue_s=int(args.run_queue_ms) / 1000,
        run_duration_s=int(args.run_duration_ms) / 1000,
        admin_token=None if args.admin_token is None else str(args.admin_token),
        max_body_bytes=int(args.max_body_bytes),
        sparse=bool(args.sparse),
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Naming the protocol matters: asyncio only sets TCP_NODELAY on accepted sockets
    # whose proto is IPPROTO_TCP, and without it every response waits ~40 ms (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    # A wildcard bind is reachable on loopback; IPv6 literals need brackets in URLs.
    if host in ("", "0.0.0.0"):  # noqa: S104 - comparing, not binding
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command.

    Args:
        argv: The arguments; ``sys.argv[1:]`` when ``None``.

    Returns:
        The exit status.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    env_file: Path | None = args.env_file
    ready = ready_file()
    if args.background and ready is None:
        log_file: Path = args.log_file or Path(DEFAULT_LOG_FILE)
        arguments = sys.argv[1:] if argv is None else argv
        return start_in_background(arguments, log_file=log_file)
    if args.log_file is not None and not args.background:
        parser.error(f"--log-file goes with {BACKGROUND_FLAG}; in front, the output is here")
    logging.basicConfig(level=str(args.log_level).upper().replace("TRACE", "DEBUG"))
    config = config_from_args(args)
    sock = _bind(str(args.host), int(args.port))
    app = create_app(config)
    port = int(sock.getsockname()[1])
    ctx = context_of(app)
    env = ctx.seed.client_env(f"http://{_url_host(str(args.host))}:{port}")
    env[ADMIN_TOKEN_ENV] = ctx.admin_token
    lines = format_env_lines(env)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level=str(args.log_level), timeout_graceful_shutdown=5)
    )
    if sys.platform != "win32":
        # A closed terminal stops the server as `kill` does: gracefully, env file removed.
        def hang_up(signum: int, frame: FrameType | None) -> None:
            server.handle_exit(signal.SIGTERM, frame)

        signal.signal(signal.SIGHUP, hang_up)
    # uvicorn re-raises SIGTERM once it has shut down; as an exception, it lets the
    # file go before the process does.
    signal.signal(signal.SIGTERM, exit_on_signal)
    written: WrittenEnvFile | None = None
    try:
        try:
            if env_file is not None:
                written = write_env_file(env_file, lines)
        except (EnvFileError, OSError) as problem:
            sys.stderr.write(f"velerian-stub: --env-file: {problem}\n")
            return 1
        if ready is None:
            _announce(lines, env["VELERIAN_BASE_URL"], env_file)
        else:
            # The detached server's output is a log file: its keys go to the caller's
            # private scratch file instead, whose appearance also says it listens.
            write_env_file(ready, lines)
        server.run(sockets=[sock])
    finally:
        if written is not None:
            remove_env_file(written)
    return 0


def _announce(lines: str, base_url: str, env_file: Path | None) -> None:
    sys.stdout.write(lines)
    sys.stdout.flush()
    load = "paste the export lines above" if env_file is None else source_command(env_file)
    sys.stderr.write(
        f"velerian-stub: serving {base_url} until Ctrl+C (this terminal stays with it)\n"
        f"velerian-stub: in another terminal, {load}\n"
    )
    sys.stderr.flush()
