"""The real client's address, as rate limits and logs must see it.

At the edge, the TCP peer is the client unless it is a proxy we were told to
trust (`TRUSTED_PROXIES`, SPEC §9): then the client is the rightmost
`X-Forwarded-For` entry that is not itself a trusted proxy. Entries to its left
were written by the client and prove nothing. Behind the edge, services read
the address the gateway put in `X-Real-IP`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# The client address of this request, once resolved (for the access log and rate limits).
CLIENT_ADDRESS = web.RequestKey("latchkey.client_address", str)
REAL_IP_HEADER = "X-Real-IP"


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8, 192.168.1.7, ::1`: CIDRs or single addresses; ValueError naming a bad one."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an address or CIDR") from None
    return tuple(networks)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        parsed = ipaddress.ip_address(address.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket is the IPv4 client.
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def resolve(peer: str | None, forwarded_for: Iterable[str], proxies: tuple[IPNetwork, ...]) -> str | None:
    """The client behind `peer`: walk `X-Forwarded-For` right to left while each hop is a trusted proxy."""
    current = _parse(peer) if peer else None
    if current is None:
        return peer
    if not proxies or not _trusted(current, proxies):
        return str(current)
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:  # a trusted proxy passed on garbage: the proxy is as far as we can see
            break
        current = address
        if not _trusted(current, proxies):
            break
    return str(current)


def resolved(request: web.Request) -> str | None:
    """The address `at_edge` or `behind_gateway` resolved for this request, else the peer."""
    return request.get(CLIENT_ADDRESS, request.remote)


def at_edge(request: web.Request, proxies: tuple[IPNetwork, ...]) -> str | None:
    """The gateway's view: the peer, or who a trusted proxy says it forwards for."""
    address = request.get(CLIENT_ADDRESS)
    if address is None:
        address = resolve(request.remote, request.headers.getall("X-Forwarded-For", ()), proxies)
        if address is not None:
            request[CLIENT_ADDRESS] = address
    return address


def behind_gateway(request: web.Request) -> str | None:
    """A service's view: the address the gateway resolved (X-Real-IP), else the peer (a direct call)."""
    address = request.get(CLIENT_ADDRESS)
    if address is None:
        claimed = _parse(request.headers.get(REAL_IP_HEADER, ""))
        address = str(claimed) if claimed is not None else request.remote
        if address is not None:
            request[CLIENT_ADDRESS] = address
    return address
