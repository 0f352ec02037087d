"""PostgreSQL through PgBouncer in transaction mode (Debian's `pgbouncer`), with DATABASE_STATEMENT_CACHE=0.

In transaction mode consecutive statements of one client may run on
different server connections, so a statement asyncpg prepared and cached on
one is unknown on the next; with the cache off every flow works. The pool
here has two server connections for many concurrent clients, so statements
really do move between them.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from latchkey_cli.embedded import free_port, wait_for_port
from tests.gateway.support import basic, create_account, sign_in
from tests.session.conftest import CHEAP_ARGON2

pytestmark = pytest.mark.slow

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture
def pgbouncer(database_url: str):
    if not os.path.exists(PGBOUNCER):
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    target = urlsplit(database_url)
    port = free_port()
    # Not under pytest's tmp_path: its parents are private to root, and PgBouncer may run as nobody.
    folder = Path(tempfile.mkdtemp(prefix="latchkey-pgbouncer-"))
    (folder / "users.txt").write_text(f'"{target.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={target.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 200\n"
        # asyncpg sets these at connect; PgBouncer must let them through
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    user = {}
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        nobody = pwd.getpwnam("nobody")
        for path in (folder, *folder.iterdir()):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        user = {"user": nobody.pw_uid, "group": nobody.pw_gid}
    process = subprocess.Popen([PGBOUNCER, str(folder / "pgbouncer.ini")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **user)
    try:
        wait_for_port(port, 15, process, "pgbouncer")
        yield target._replace(netloc=f"{target.username}@127.0.0.1:{port}").geturl()
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


async def test_every_flow_works_through_pgbouncer_in_transaction_mode(start_system, pgbouncer, http):
    system = await start_system(
        DATABASE_URL=pgbouncer, DATABASE_STATEMENT_CACHE="0", LOGIN_MAX_FAILURES="100", LOGIN_MAX_FAILURES_PER_ADDRESS="100", **CHEAP_ARGON2
    )
    account = await create_account(system, http)  # operator commands and the services, all through PgBouncer
    me = system.gateway + "/api/1/users/me"

    async def works(**kwargs) -> int:
        async with http.get(me, **kwargs) as response:
            return response.status

    logins = [sign_in(system.gateway, http, account.email, account.password) for _ in range(10)]
    sesskeys = await asyncio.gather(*logins)
    checks = [works(headers={"Authorization": "Bearer " + key}) for key in sesskeys]
    checks += [works(headers={"Authorization": basic(account.email, account.password)}) for _ in range(5)]
    checks += [works(params={"apikey": account.apikey}) for _ in range(5)]
    assert await asyncio.gather(*checks) == [200] * 20
    org = f"{system.gateway}/api/organization/{account.org_slug}"
    headers = {"x-org-id": account.org_slug, "x-api-key": account.org_key}
    for i in range(5):
        async with http.post(f"{org}/user/user-{i}/update", headers=headers, json={"email": f"u{i}@example.com", "name": "U"}) as response:
            assert response.status in (200, 201), await response.text()
    async with http.get(org + "/users", headers=headers) as response:
        assert response.status == 200 and len((await response.json())["users"]) >= 5
