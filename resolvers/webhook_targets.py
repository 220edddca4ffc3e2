"""Where webhooks may be sent: public addresses only, unless the operator names internal receivers.

An administrator's URL must not become a way into the city's own network (server-side request forgery: Redis on
127.0.0.1:6379, PostgreSQL, a cloud metadata service at 169.254.169.254). The name is resolved when the webhook
is registered and again at every delivery, and the delivery goes to the very address that was checked, so a name
that re-resolves to an internal address later (DNS rebinding) reaches nothing.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(Exception):
    """The URL's host is not a public address (nor an allowed internal one), or does not resolve."""


@dataclass(frozen=True)
class Pinned:
    """A request to the checked address: its URL names the IP, the original name travels as Host and SNI."""

    url: str
    host_header: str
    sni_hostname: str | None


@dataclass(frozen=True)
class Targets:
    # Internal receivers the operator allows: host names, addresses and networks (WEBHOOK_ALLOWED_HOSTS).
    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, setting: str) -> "Targets":
        names, networks = set(), []
        for item in (part.strip() for part in setting.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                names.add(item.lower())
        return cls(frozenset(names), tuple(networks))

    def permits(self, host: str, address: Address) -> bool:
        if address.is_global:
            return True
        return host.lower() in self.names or any(address in network for network in self.networks)

    async def pin(self, url: str) -> Pinned:
        """Resolve the URL's host, check every address it has, and aim the request at the first."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise TargetRefused(f"{host} does not resolve ({error.strerror or error})") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in found]
        for address in addresses:
            if not self.permits(host, address):
                raise TargetRefused(
                    f"{host} resolves to {address}, which is not a public address (an operator may allow internal "
                    "receivers with WEBHOOK_ALLOWED_HOSTS)"
                )
        chosen = addresses[0]
        literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
        netloc = f"{literal}:{port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = parts.netloc.rsplit("@", 1)[-1]
        return Pinned(pinned, host_header, host if parts.scheme == "https" else None)
