#!/usr/bin/env python3
"""Latchkey's two commands, needing nothing but Python 3.11+.

    python3 dev.py run    # the whole system on an embedded PostgreSQL and Redis
    python3 dev.py test   # the full test suite (extra arguments go to pytest)

Both first make `.venv` and install the workspace into it (editable), again
only when a pyproject or requirements file has changed since the last install.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PACKAGES = ["libs/latchkey", "services/session", "services/org-provisioning", "services/oidc-link", "gateway", "cli[embedded]"]
REQUIREMENTS = ROOT / "requirements-dev.txt"


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("**/pyproject.toml")) + [REQUIREMENTS]:
        if ".venv" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def bootstrap() -> Path:
    if sys.version_info < (3, 11):
        raise SystemExit("Latchkey needs Python 3.11 or newer")
    if not _python().exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".latchkey-installed"
    fingerprint = _fingerprint()
    if not stamp.exists() or stamp.read_text() != fingerprint:
        print("dev.py: installing the workspace into .venv", flush=True)
        pip = [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run(pip + ["--upgrade", "pip", "setuptools>=64", "wheel"], check=True)
        editable = [arg for pkg in PACKAGES for arg in ("-e", str(ROOT / pkg.split("[")[0]) + ("[" + pkg.split("[")[1] if "[" in pkg else ""))]
        subprocess.run(pip + ["--no-build-isolation", "--config-settings", "editable_mode=compat", *editable, "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(fingerprint)
    return _python()


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test", "install"):
        raise SystemExit(__doc__)
    command, rest = sys.argv[1], sys.argv[2:]
    python = bootstrap()
    os.chdir(ROOT)
    if command == "run":
        os.execv(str(python), [str(python), "-m", "latchkey_cli.main", "up", *rest])
    if command == "test":
        os.execv(str(python), [str(python), "-m", "pytest", *rest])


if __name__ == "__main__":
    main()
