"""argon2id password hashing, off the event loop.

Hashing is deliberately slow (tens of milliseconds, 19 MiB), so it runs in a
thread pool: argon2's C code releases the GIL and the loop keeps serving other
requests. The pool has one thread per core: more would only make hashes
compete for the same cores and caches, and each would finish later. An unknown email is checked against a dummy hash made
with the same parameters, so it costs what a wrong password costs.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from prometheus_client import Counter

from latchkey.errors import ValidationFailed
from latchkey.outages import deadline_paused
from latchkey.security import url_token

# The CPU the hashing threads spend, so what a login costs around its hash can be told apart
# from the hash itself (bench/login_bench.py reads both from /metrics).
HASHES = Counter("latchkey_password_hashes_total", "argon2id hashes and verifications")
HASH_CPU = Counter("latchkey_password_hash_cpu_seconds_total", "CPU time of the hashing threads, in seconds")

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; a cap keeps request bodies and hashing bounded


class Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, threads: int | None = None) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, hash_len=32, salt_len=16, type=Type.ID
        )
        self._dummy_hash = self._hasher.hash(url_token())
        self._pool = ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1, thread_name_prefix="argon2")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def hash(self, password: str) -> str:
        async with deadline_paused():
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash (unknown user, no password) a dummy check of the same cost."""
        async with deadline_paused():
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._verify, password_hash, password)

    def _hash(self, password: str) -> str:
        started = time.thread_time()
        try:
            return self._hasher.hash(password)
        finally:
            _counted(started)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        started = time.thread_time()
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        finally:
            _counted(started)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def _counted(started: float) -> None:
    HASHES.inc()
    HASH_CPU.inc(time.thread_time() - started)


def check_new_password(password: object, field: str = "password") -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationFailed({field: f"must be at least {MIN_LENGTH} characters"})
    if len(password) > MAX_LENGTH:
        raise ValidationFailed({field: f"must be at most {MAX_LENGTH} characters"})
    return password
