"""Where a share listens: the default route's address, found without sending anything, and the
user's host and port, checked before anything is made."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.share.commands import NAMESPACE_WITH_ROUTE, in_private_network
from voiceguide.share import ShareOptionError, local_address, parse_host, parse_port, url_host


def run_in_private_network(setup: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(in_private_network(setup, command), capture_output=True, text=True,
                          timeout=60)


LOCAL_ADDRESS = "from voiceguide.share import local_address; print(local_address())"


def test_the_default_routes_address_is_what_the_kernel_would_use() -> None:
    found = local_address()
    route = subprocess.run(["ip", "-o", "route", "get", "198.51.100.1"],
                           capture_output=True, text=True)
    if route.returncode != 0:
        assert found is None
        return
    words = route.stdout.split()
    assert found == words[words.index("src") + 1]


def test_in_a_network_with_a_default_route_it_is_that_interfaces_address() -> None:
    result = run_in_private_network(NAMESPACE_WITH_ROUTE, sys.executable, "-c", LOCAL_ADDRESS)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "198.51.100.7\n"


def test_without_a_network_there_is_none() -> None:
    for setup in ("", "ip link set lo up"):
        result = run_in_private_network(setup, sys.executable, "-c", LOCAL_ADDRESS)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "None\n"


@pytest.mark.parametrize(
    ("given", "address"),
    [("127.0.0.1", "127.0.0.1"), ("192.168.1.20", "192.168.1.20"), ("::1", "::1"),
     ("[::1]", "::1"), (" 10.0.0.2 ", "10.0.0.2"), ("fe80::1", "fe80::1")],
)
def test_a_host_is_an_ip_address(given: str, address: str) -> None:
    assert parse_host(given) == address


@pytest.mark.parametrize(
    ("given", "reason"),
    [("localhost", "not an IP address"), ("", "not an IP address"),
     ("192.168.1", "not an IP address"), ("phone.local", "not an IP address"),
     ("0.0.0.0", "every network at once"), ("::", "every network at once"),
     ("224.0.0.1", "multicast")],
)
def test_other_hosts_are_refused_in_one_line(given: str, reason: str) -> None:
    with pytest.raises(ShareOptionError) as refused:
        parse_host(given)
    assert reason in str(refused.value) and "\n" not in str(refused.value)
    assert refused.value.exit_status == 2


@pytest.mark.parametrize(("given", "port"), [("0", 0), ("8000", 8000), ("65535", 65535), (80, 80)])
def test_a_port_is_a_number_up_to_65535(given: str | int, port: int) -> None:
    assert parse_port(given) == port


@pytest.mark.parametrize(
    "given", ["-1", "65536", "99999", "http", "", "80.0", "\u0668\u0660", "123456"]
)
def test_other_ports_are_refused(given: str) -> None:
    with pytest.raises(ShareOptionError, match="is not a port"):
        parse_port(given)


def test_ipv6_addresses_stand_in_brackets_in_a_url() -> None:
    assert url_host("192.168.1.20") == "192.168.1.20"
    assert url_host("fe80::1") == "[fe80::1]"
