"""
Check built distributions: each installs into a fresh venv and imports cleanly.

    python scripts/check_dist.py DIST_DIR
    python scripts/check_dist.py --license-only STUB_DIST_DIR

For the wheel and for the sdist: create a new virtual environment, install the file
(which pulls only the runtime dependencies), import the package, and check the version,
the `py.typed` marker, and that nothing but the package itself was installed from this
repository. Every wheel and sdist, the stub server's included, must carry the Apache-2.0
text as ``LICENSE`` and declare it in its metadata.
Then the command line: without the `cli` extra, `velerian` must say to
install it and exit non-zero; with the extra installed, `velerian --help` must run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

CHECK = """
import importlib.metadata as md, pathlib, velerian_sdk
assert velerian_sdk.__version__ == md.version("velerian-sdk"), velerian_sdk.__version__
root = pathlib.Path(velerian_sdk.__file__).parent
assert (root / "py.typed").exists(), "py.typed missing"
names = [r.split(";")[0] for r in md.requires("velerian-sdk") or [] if "extra ==" not in r]
requires = sorted(n.split(">")[0].split("<")[0].split("=")[0].strip() for n in names)
assert requires == ["httpx", "pydantic", "typing-extensions"], requires
from velerian_sdk import VelerianClient, AsyncVelerianClient
VelerianClient(api_key="vk_live_" + "x" * 40).close()
print("ok", velerian_sdk.__version__, root)
"""


def check_command_line(env_dir: Path, install: list[str], artifact: Path) -> None:
    """``velerian`` without the extra names it; with the extra, ``--help`` runs."""
    script = str(env_dir / "bin" / "velerian")
    bare = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)  # noqa: S603
    if bare.returncode == 0 or "pip install 'velerian-sdk[cli]'" not in bare.stderr:
        raise SystemExit(f"velerian without the extra: {bare.returncode} {bare.stderr!r}")
    extra = f"velerian-sdk[cli] @ {artifact.resolve().as_uri()}"
    subprocess.run([*install[:-1], extra], check=True)  # noqa: S603 - fixed command line
    done = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or "evidence" not in done.stdout:
        raise SystemExit(f"velerian --help with the extra: {done.returncode} {done.stderr!r}")


def check(artifact: Path) -> None:
    """Install one artifact into a fresh venv and run the import and command-line checks."""
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "venv"
        python = env_dir / "bin" / "python"
        uv = shutil.which("uv")
        if uv:  # same result as venv + pip, several times faster
            subprocess.run([uv, "venv", "--quiet", str(env_dir)], check=True)  # noqa: S603
            install = [uv, "pip", "install", "--quiet", "--python", str(python), str(artifact)]
        else:
            venv.create(env_dir, with_pip=True)
            install = [str(python), "-m", "pip", "install", "--quiet", str(artifact)]
        subprocess.run(install, check=True)  # noqa: S603 - fixed command line
        subprocess.run([str(python), "-c", CHECK], check=True, cwd=tmp)  # noqa: S603
        check_command_line(env_dir, install, artifact)
    print(f"{artifact.name}: installs and imports; velerian runs with the cli extra")


def check_wheel_contents(wheel: Path) -> None:
    """The wheel holds the SDK, the command line and their metadata, nothing else."""
    names = zipfile.ZipFile(wheel).namelist()
    packages = ("velerian_sdk/", "velerian_cli/", "velerian_sdk-")
    stray = [n for n in names if not n.startswith(packages)]
    if stray:
        raise SystemExit(f"unexpected files in the wheel: {stray}")
    for needed in ("velerian_sdk/py.typed", "velerian_cli/__init__.py", "velerian_cli/_app.py"):
        if needed not in names:
            raise SystemExit(f"{needed} is not in the wheel")


LICENSE_START = "Apache License\n                           Version 2.0, January 2004"
LICENSE_METADATA = ("License-Expression: Apache-2.0", "License-File: LICENSE")


def check_license(artifact: Path) -> None:
    """The artifact holds the licence text as ``LICENSE`` and its metadata names it."""
    if artifact.suffix == ".whl":
        with zipfile.ZipFile(artifact) as wheel:
            info = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            dist_info = info.rsplit("/", 1)[0]
            names = wheel.namelist()
            license_name = f"{dist_info}/licenses/LICENSE"
            text = wheel.read(license_name).decode() if license_name in names else ""
            metadata = wheel.read(info).decode()
    else:
        with tarfile.open(artifact) as sdist:
            top = sdist.getnames()[0].split("/", 1)[0]
            text = _member_text(sdist, f"{top}/LICENSE")
            metadata = _member_text(sdist, f"{top}/PKG-INFO")
    if LICENSE_START not in text:
        raise SystemExit(f"{artifact.name}: no Apache-2.0 LICENSE file")
    missing = [line for line in LICENSE_METADATA if line not in metadata.splitlines()]
    if missing:
        raise SystemExit(f"{artifact.name}: metadata lacks {missing}")
    print(f"{artifact.name}: carries LICENSE (Apache-2.0)")


def _member_text(sdist: tarfile.TarFile, name: str) -> str:
    try:
        member = sdist.extractfile(name)
    except KeyError:
        return ""
    return "" if member is None else member.read().decode()


def main() -> int:
    """Check every wheel and sdist in the given folder."""
    license_only = sys.argv[1] == "--license-only"
    dist = Path(sys.argv[-1])
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise SystemExit(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
    for artifact in (*wheels, *sdists):
        check_license(artifact)
    if license_only:
        return 0
    check_wheel_contents(wheels[0])
    for artifact in (*wheels, *sdists):
        check(artifact)
    return 0


if __name__ == "__main__":
    sys.exit(main())
