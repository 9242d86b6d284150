"""Every task a developer or CI runs: `nox -l` lists them, `nox -t ci` is what CI runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.download_python = "never"  # the Pythons are the machine's own (see below)
nox.options.sessions = ["lint", "typecheck", "tests"]

DEV = ("-r", "requirements/dev.txt")
LOCAL = ("-e", ".", "-e", "./stubs")

PYTHONS = re.findall(
    r'"Programming Language :: Python :: (3\.\d+)"', Path("pyproject.toml").read_text("utf-8")
)
"""Every Python the package claims in its classifiers: CI tests and type-checks each."""


def put_pythons_on_path(versions: list[str]) -> None:
    """
    Make each Python of ``versions`` runnable as ``pythonX.Y``; say which cannot be.

    pyenv's shims answer only for the versions pyenv has selected (one, on a fresh
    machine), so one installed under pyenv but not selected is linked from
    ``.nox/pythons``, which goes first on PATH; ``python3`` itself is left alone.
    A version found nowhere makes its sessions fail (``error_on_missing_interpreters``).
    """
    links = Path(".nox/pythons").resolve()
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for version in versions:
        name = f"python{version}"
        on_path = shutil.which(name)
        if on_path and runs(on_path):
            continue
        # A release's own folder (3.13.0, not 3.13t-dev), the newest patch first.
        found = sorted(
            (int(folder.name.rsplit(".", 1)[1]), folder / "bin" / name)
            for folder in pyenv.glob(f"{version}.*")
            if re.fullmatch(r"\d+\.\d+\.\d+", folder.name) and (folder / "bin" / name).is_file()
        )
        link = links / name
        link.unlink(missing_ok=True)
        if not found:
            print(f"nox: Python {version} is not on PATH nor under {pyenv}", file=sys.stderr)
            continue
        links.mkdir(parents=True, exist_ok=True)
        link.symlink_to(found[-1][1])
    if links.is_dir() and str(links) not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([str(links), os.environ["PATH"]])


def runs(executable: str) -> bool:
    quiet = subprocess.DEVNULL  # a shim of an unselected version explains itself at length
    ran = subprocess.run([executable, "-c", ""], check=False, stdout=quiet, stderr=quiet)
    return ran.returncode == 0


put_pythons_on_path(PYTHONS)


def install_dev(session: nox.Session) -> None:
    session.install(*DEV, *LOCAL)


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("-r", "requirements/dev.txt")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHONS, tags=["ci"])
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright strict over src, tests, stubs and this file, for this Python."""
    install_dev(session)
    targets = ["src", "tests", "stubs", "scripts", "noxfile.py", "examples", "benchmarks"]
    version = str(session.python)
    session.run("mypy", "--python-version", version, *targets)
    session.run("pyright", "--pythonversion", version, *targets)
    if version == PYTHONS[0]:  # the snippets are checked for the oldest Python only
        session.run("python", "scripts/check_doc_snippets.py")


@nox.session(tags=["ci"])
def verifytypes(session: nox.Session) -> None:
    """Every public symbol of the installed package is typed (pyright) and documented."""
    session.install(".", "pyright==1.1.414")
    script = str(Path("scripts/check_public_api.py").resolve())
    session.chdir(session.create_tmp())  # the installed wheel, not src/ through the config
    session.run("python", script)


LONG_SOAKS = (
    "tests/reliability/test_fault_soak.py",
    "tests/reliability/test_restart.py",
    "tests/reliability/test_crash_soak.py",
)
"""
The CI-sized soaks: about 75 of the suite's 270 s on 3.11, and bound by throughput (one
checks that the stub's rate limit was reached), so they run alone, after the rest.
They drive the same client code as the integration tests that run on every Python;
running them on each Python too would add about 4 minutes to CI.
"""
SOAK_PYTHON = "3.11"


@nox.session(python=PYTHONS, tags=["ci"])
def tests(session: nox.Session) -> None:
    """The unit and integration tests, on two workers; then the long soaks, on 3.11 only."""
    install_dev(session)
    if not shutil.which("tmux"):
        # Debian's package, for tests/cli/test_terminal.py (progress bars in a real
        # terminal); CI runs as root on a fresh machine.
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "tmux", external=True)
    if session.posargs:
        session.run("pytest", *session.posargs)
        return
    session.run("pytest", "--numprocesses", "2", *(f"--ignore={soak}" for soak in LONG_SOAKS))
    if session.python == SOAK_PYTHON:
        session.run("pytest", *LONG_SOAKS)


@nox.session(name="tests-sparse", tags=["ci"])
def tests_sparse(session: nox.Session) -> None:
    """The integration tests against a sparse stub: answers hold only required fields."""
    install_dev(session)
    session.run("pytest", "-q", "tests/integration", "--velerian-stub-sparse", *session.posargs)


@nox.session(tags=["ci"])
def demo(session: nox.Session) -> None:
    """Start a stub server on a free port and run examples/quickstart.py against it."""
    install_dev(session)
    session.run("python", "-m", "velerian_stub.demo", "examples/quickstart.py", *session.posargs)


@nox.session(name="doc-snippets", tags=["ci"])
def doc_snippets(session: nox.Session) -> None:
    """Run every Python block of README.md and docs/ against a fresh stub (about 20 s)."""
    install_dev(session)
    session.run("python", "scripts/check_doc_snippets.py", "--run")


@nox.session
def contract(session: nox.Session) -> None:
    """Show drift: the stub app vs docs/api/openapi.json, and the SDK models vs the file."""
    install_dev(session)
    session.run("python", "-m", "velerian_stub.openapi", "--check", "docs/api/openapi.json")
    session.run("pytest", "-q", "tests/contract")


@nox.session(tags=["ci"])
def fuzz(session: nox.Session) -> None:
    """
    Fuzz a fresh stub against docs/api/openapi.json: schemathesis, fixed seed, ~90 s.

    Without arguments, a second run of 30 s with half the requests failed checks that
    routing (405) and authentication (401) still come before injected faults.
    """
    session.install("-r", "requirements/fuzz.txt", "-e", "./stubs")
    session.run("python", "scripts/fuzz_contract.py", *session.posargs)
    if not session.posargs:
        session.run("python", "scripts/fuzz_contract.py", "--faults", "0.5", "--max-time", "30")


@nox.session(tags=["ci"])
def generated(session: nox.Session) -> None:
    """
    Generate a client from docs/api/openapi.json and call every operation of the stub.

    openapi-python-client (pinned) writes the client; scripts/call_generated_client.py
    starts a stub and fails unless each operation of the contract answers a parsed success.
    """
    session.install("-r", "requirements/generated.txt", "-e", "./stubs")
    client = Path(session.create_tmp()).resolve() / "generated-client"
    session.run(
        "openapi-python-client", "generate", "--path", "docs/api/openapi.json",
        "--meta", "setup", "--output-path", str(client), "--overwrite", "--fail-on-warning",
    )  # fmt: skip
    # Built by the pinned setuptools (no unpinned backend is fetched), and editable, so a
    # rerun with -R (installs skipped) still calls the client generated just now.
    session.install("--no-deps", "--no-build-isolation", "-e", str(client))
    session.run("python", "scripts/call_generated_client.py", *session.posargs)


@nox.session(tags=["ci"])
def published(session: nox.Session) -> None:
    """
    Every public method of the published velerian-sdk 0.1.2 against the stub, both shapes.

    Then the same calls through this SDK's 0.1 methods, whose result shapes must match.
    """
    session.install("-c", "requirements/dev.txt", "-e", ".", "-e", "./stubs", "uv==0.13.9")
    # velerian-sdk 0.1.2 has this package's import name: it gets an environment of its own.
    env = Path(session.create_tmp()).resolve() / "published-0.1.2"
    python = env / "bin" / "python"
    if not python.exists():
        session.run("uv", "venv", "--quiet", "--python", "python", str(env))
    session.run(
        "uv", "pip", "install", "--quiet", "--python", str(python),
        "-r", "requirements/published.txt",
    )  # fmt: skip
    session.run(
        "python", "scripts/check_published_client.py", "--published-python", str(python),
        *session.posargs,
    )  # fmt: skip


@nox.session(tags=["ci"])
def package(session: nox.Session) -> None:
    """Build the wheel and sdist, then install and import each in a fresh venv."""
    session.install("build==1.6.1", "uv==0.13.9")
    tmp = session.create_tmp()
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", f"{tmp}/dist", ".")
    session.run("python", "scripts/check_dist.py", f"{tmp}/dist")
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", f"{tmp}/stub", "stubs")
    session.run("python", "scripts/check_dist.py", "--license-only", f"{tmp}/stub")


@nox.session(tags=["ci"])
def docs(session: nox.Session) -> None:
    """
    Build the site in strict mode, then render pages in headless Chromium.

    First, scripts/fetch_mermaid.py puts the pinned mermaid.js (from the npm registry,
    checked against its SHA-512; never committed) in docs/vendor/, so that the site
    draws its diagrams with its own copy, offline too. A plain `mkdocs build --strict`
    without it still passes: the pages then ask for a vendor/mermaid.min.js that is not
    there, Material falls back to loading mermaid from its CDN (unpkg.com), and where
    that is out of reach the diagrams show as their source text. The site check fails
    on such a build.
    """
    session.install("-r", "requirements/docs.txt", "-e", ".")
    # Debian's packages; CI runs as root on a fresh machine.
    missing = [name for name in ("npm", "chromium") if not shutil.which(name)]
    if missing:
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", *missing, external=True)
    session.run("python", "scripts/fetch_mermaid.py")
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.run("mkdocs", "build", "--strict", "--quiet", "--site-dir", "site")
    shots = Path(session.create_tmp()) / "screenshots"
    session.run("python", "scripts/check_docs_site.py", "site", "--screenshots", str(shots))


SOAK_SIZES = {
    "VELERIAN_SOAK_CALLS": "5000",
    "VELERIAN_SOAK_ASYNC_CALLS": "2000",
    "VELERIAN_SOAK_IN_FLIGHT": "200",
    "VELERIAN_SOAK_THREAD_CALLS": "150",
    "VELERIAN_SOAK_RESTART_CALLS": "1000",
    "VELERIAN_SOAK_KILLS": "60",
    "VELERIAN_SOAK_BOMB_MIB": "512",
    "VELERIAN_SOAK_OVERSIZE_MIB": "200",
    "VELERIAN_SOAK_FORK_CALLS": "250",
    "VELERIAN_SOAK_BATCH_ITEMS": "2000",
}


@nox.session
def soak(session: nox.Session) -> None:
    """The fault soaks at 10x the CI size (~10 min); figures to VELERIAN_SOAK_REPORT."""
    install_dev(session)
    for name, size in SOAK_SIZES.items():
        session.env[name] = os.environ.get(name, size)
    report = os.environ.get("VELERIAN_SOAK_REPORT") or str(
        Path(session.create_tmp()) / "soak-report.json"
    )
    session.env["VELERIAN_SOAK_REPORT"] = report
    soaks = [
        "tests/reliability/test_fault_soak.py",
        "tests/reliability/test_restart.py",
        "tests/reliability/test_crash_soak.py",
        "tests/reliability/test_fork.py",
        "tests/reliability/test_response_sizes.py",
        "tests/reliability/test_batch_soak.py",
        "tests/reliability/test_batch_dask.py",
    ]
    session.run("pytest", "-q", "-p", "no:cacheprovider", *(session.posargs or soaks))
    session.log(f"soak report: {report}")


def run_benchmarks(session: nox.Session, *args: str) -> None:
    """Install the bench and comparison environments, then run `python -m benchmarks`."""
    session.install("-r", "requirements/bench.txt", "-e", ".", "uv==0.13.9")
    if not shutil.which("valgrind"):
        # Debian's package, for the instruction counts; CI runs as root on a fresh machine.
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "valgrind", external=True)
    # velerian-sdk 0.1.2 has this package's import name: it gets an environment of its own.
    comparison = Path(session.create_tmp()).resolve() / "comparison"
    python = comparison / "bin" / "python"
    if not python.exists():
        # This session's interpreter by path: `--python python` makes uv search PATH for a
        # `python` outside any virtualenv, and Debian's stock install has only `python3`.
        interpreter = str(Path(session.bin) / "python")
        session.run("uv", "venv", "--quiet", "--python", interpreter, str(comparison))
    session.run(
        "uv", "pip", "install", "--quiet", "--python", str(python),
        "-r", "requirements/comparison.txt",
    )  # fmt: skip
    session.run("python", "-m", "benchmarks", "--comparison-python", str(python), *args)


@nox.session
def bench(session: nox.Session) -> None:
    """
    The benchmarks (`nox -s bench -- --size small --only per-call`); about 35 minutes.

    Also redraws the performance page's charts, docs/performance/*.svg, from the run's
    figures (each only when the run measured all it shows).
    """
    run_benchmarks(session, "--charts", "docs/performance", *session.posargs)


@nox.session(name="bench-smoke", tags=["ci"])
def bench_smoke(session: nox.Session) -> None:
    """The benchmarks at their smallest: proves the harness runs; asserts nothing on speed."""
    charts = Path(session.create_tmp()) / "charts"
    run_benchmarks(session, "--size", "small", "--charts", str(charts), *session.posargs)


@nox.session
def lock(session: nox.Session) -> None:
    """Re-pin requirements/*.txt from their .in files."""
    session.install("uv==0.13.9")
    for name in ("dev", "bench", "comparison", "fuzz", "generated", "published"):
        # dev.txt installs on every Python CI runs: one resolution for all of them.
        target = (
            ("--universal", "--python-version", PYTHONS[0])
            if name == "dev"
            else ("--python-version", "3.11")
        )
        session.run(
            "uv",
            "pip",
            "compile",
            "-q",
            f"requirements/{name}.in",
            "-o",
            f"requirements/{name}.txt",
            *target,
        )
