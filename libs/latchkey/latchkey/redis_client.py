"""`REDIS_URL` → one redis-py asyncio client, whatever the topology (docs/api.md §9).

    redis://[[user]:password@]host:port/db      one node (also rediss://, unix://)
    redis+sentinel://[[user]:password@]host:port[,host:port...]/MASTER_NAME[?db=N&sentinel_password=P]
    redis+cluster://[[user]:password@]host:port[,host:port...]

(`rediss+sentinel://` and `rediss+cluster://` speak TLS to every node.) This
module is the only place that knows which topology is configured: callers get
a `redis.asyncio.Redis` (one node, or Sentinel's current master) or a
`RedisCluster`, which take the same commands. What that asks of the callers:
a command or a Lua script that touches several keys must name keys of one
hash slot (a `{tag}` in the key, as `credential_cache` does); pipelines with
`transaction=False` may mix slots, the cluster client splits them per node.

Failure is bounded: connect and read timeouts of `timeout` seconds, and a
command that times out is not retried (a retry would wait out another
timeout while Redis is black-holed). A connection found closed (Redis
restarted, a proxy dropped an idle connection) is retried once at once on a
new one, which costs nothing when Redis is there and fails fast when it is
not. (Every command here is safe to repeat in that case: a repeated GETDEL
finds nothing, a repeated counter increment counts one failure more.)

`UNAVAILABLE` lists what a caller turns into a 503. During a failover that
is what requests see for a few seconds, until Sentinel or the cluster has
promoted a replica: the Sentinel client asks the Sentinels for the master on
its next connection; the cluster client re-reads the slot map and retries
once.

That re-reading goes node by node under one lock, so with every node
black-holed it costs a timeout per node while every other command waits for
the lock, one after another (measured: ten commands answered at 3, 6, ...
30 s). So on a Cluster each command and pipeline also has a deadline of two
timeouts, after which it fails as a timeout wherever it was waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import redis.asyncio as redis
import redis.exceptions as errors
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff

RedisClient = redis.Redis | RedisCluster

SCHEMES = ("redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster")
DEFAULT_TIMEOUT = 2.0
# Per node. The cluster client refuses (MaxConnectionsError) rather than waits past it; the
# gateway's upstream pool allows 512 requests in flight, so this never binds first.
CLUSTER_MAX_CONNECTIONS = 1024

# Redis out of reach, or a failover in progress (no master for a slot, a write reaching a
# demoted master, a cluster that cannot be mapped): 503 with Retry-After, never a 500.
UNAVAILABLE: tuple[type[Exception], ...] = (
    errors.ConnectionError,  # includes Sentinel's MasterNotFoundError and BusyLoadingError
    errors.TimeoutError,
    errors.ClusterDownError,
    errors.TryAgainError,
    errors.MasterDownError,
    errors.ReadOnlyError,
    errors.OutOfMemoryError,
    # No reachable node, a slot no node serves. (It also covers a cross-slot command, a
    # defect; the Cluster tests run every multi-key operation, so none hides behind a 503.)
    errors.RedisClusterException,
)


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """A parsed REDIS_URL."""

    topology: str  # "node", "sentinel" or "cluster"
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    username: str | None = None
    password: str | None = None
    master_name: str | None = None
    db: int = 0
    tls: bool = False
    sentinel_password: str | None = None


def parse(url: str) -> RedisTarget:
    """The topology a REDIS_URL names; ValueError saying what is wrong (never echoing a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise ValueError(f"must be a URL with scheme {', '.join(s + '://' for s in SCHEMES)}")
    if scheme in ("redis", "rediss", "unix"):
        if scheme != "unix" and not urlsplit(url).netloc:
            raise ValueError("names no host")
        return RedisTarget("node", url)
    # urlsplit cannot take several host:port pairs in one netloc (it reads a port from the last).
    location, _, query = rest.partition("?")
    netloc, _, path = location.partition("/")
    credentials, at, hosts = netloc.rpartition("@")
    username, _, password = credentials.partition(":") if at else ("", "", "")
    nodes = tuple(_host_port(item) for item in hosts.split(",") if item.strip())
    if not nodes:
        raise ValueError("names no host:port")
    options = {name: values[-1] for name, values in parse_qs(query).items()}
    unknown = set(options) - {"db", "sentinel_password"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}")
    db = options.get("db", "0")
    if not db.isascii() or not db.isdigit():
        raise ValueError("db must be a number")
    common = {
        "url": url,
        "nodes": nodes,
        "username": unquote(username) or None,
        "password": unquote(password) or None,
        "tls": scheme.startswith("rediss"),
    }
    if scheme.endswith("+cluster"):
        if path.strip("/") or int(db):
            raise ValueError("a Redis Cluster has only database 0: no path or db")
        return RedisTarget("cluster", **common)
    master_name = unquote(path.strip("/"))
    if not master_name or "/" in master_name:
        raise ValueError("must end with /MASTER_NAME, the name Sentinel monitors")
    return RedisTarget(
        "sentinel", **common, master_name=master_name, db=int(db), sentinel_password=options.get("sentinel_password")
    )


def _host_port(item: str) -> tuple[str, int]:
    host, sep, port = item.strip().rpartition(":")
    if not sep or not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{item.strip()!r} is not host:port")
    return host.strip("[]"), int(port)


class _BoundedClusterPipeline(ClusterPipeline):
    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with _deadline(self.cluster_client.command_deadline):
            return await super().execute(*args, **kwargs)


class BoundedRedisCluster(RedisCluster):
    """RedisCluster whose commands and pipelines give up after `command_deadline` seconds (see above)."""

    command_deadline: float = 2 * DEFAULT_TIMEOUT

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with _deadline(self.command_deadline):
            return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        if shard_hint:
            raise errors.RedisClusterException("shard_hint is deprecated in cluster mode")
        return _BoundedClusterPipeline(self, transaction)


@asynccontextmanager
async def _deadline(seconds: float) -> AsyncIterator[None]:
    """`asyncio.timeout` failing as redis-py's TimeoutError, which callers already turn into a 503."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise errors.TimeoutError("Redis Cluster did not answer in time.") from None


def open_redis(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> RedisClient:
    """A client for REDIS_URL; connections open lazily, on first use."""
    target = parse(url)
    # bytes in, bytes out: callers decode what they stored (sessions, JSON).
    connection = {
        "decode_responses": False,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 1, supported_errors=(errors.ConnectionError,)),
    }
    if target.topology == "node":
        return redis.Redis.from_url(url, health_check_interval=30, **connection)
    auth = {"username": target.username, "password": target.password}
    tls = {"ssl": True} if target.tls else {}
    if target.topology == "cluster":
        cluster = BoundedRedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            max_connections=CLUSTER_MAX_CONNECTIONS,
            **connection,
            **auth,
            **tls,
        )
        cluster.command_deadline = 2 * timeout
        return cluster
    sentinels = Sentinel(
        list(target.nodes),
        sentinel_kwargs={**connection, "password": target.sentinel_password, **tls},
        **connection,
        **auth,
        **tls,
    )
    return sentinels.master_for(target.master_name, db=target.db)
