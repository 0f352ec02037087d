"""Where the `latchkey` command finds its configuration.

The process environment (and `.env`) first; when it names no database, the
embedded default's data folder supplies `DATABASE_URL`, `REDIS_URL` and the
generated secrets, so `latchkey org create` works beside a running `latchkey up`.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

from latchkey.settings import load_environment


def data_dir(env: dict[str, str]) -> Path:
    return Path(env.get("LATCHKEY_DATA_DIR") or ".data").resolve()


def runtime_env_file(env: dict[str, str]) -> Path:
    return data_dir(env) / "runtime.env"


def operator_environment() -> dict[str, str]:
    env = load_environment()
    runtime = runtime_env_file(env)
    if "DATABASE_URL" not in env and runtime.exists():
        file_values = {k: v for k, v in dotenv_values(runtime).items() if v is not None}
        env = {**file_values, **env}
    return env


def apply(env: dict[str, str]) -> None:
    """Make `env` the process environment, for service settings read from it."""
    os.environ.update(env)
