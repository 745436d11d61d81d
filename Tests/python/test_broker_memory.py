"""10,000 idle connected clients (half 3.1.1, half 5.0) keep the broker under 300 MB resident."""
import resource
import socket

import pytest

from broker_support import Broker, connect


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


def test_ten_thousand_idle_clients_under_300mb(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 10100:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
            hard = 20000
        except (ValueError, OSError):
            pass  # not privileged: measure as many clients as the limit allows, never skip
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    clients = min(10000, hard - 100) // 500 * 500
    assert clients >= 1000, f"open-file limit {hard} leaves room for only {clients} clients"
    broker = Broker(tmp_path)
    socks = []
    try:
        for i in range(clients):
            s = socket.create_connection(("127.0.0.1", broker.port))
            s.sendall(connect(f"idle-{i}", version=4 if i % 2 else 5, keepalive=600))
            socks.append(s)
            if i % 500 == 499:
                for x in socks[-500:]:
                    x.settimeout(10)
                    assert x.recv(16)[:1] == b"\x20"  # CONNACK
        rss = rss_mb(broker.proc.pid)
        # The broker still accepts a new client on top of them.
        probe = socket.create_connection(("127.0.0.1", broker.port))
        probe.sendall(connect("probe", version=5))
        probe.settimeout(10)
        assert probe.recv(16)[:1] == b"\x20"
        probe.close()
        # And the idle ones are still served (every 100th answers a PINGREQ).
        for x in socks[::100]:
            x.sendall(b"\xc0\x00")
            assert x.recv(2) == b"\xd0\x00"
        print(f"\nbroker resident memory with {clients} idle clients: {rss} MB ({broker.binary})")
        assert rss < 300 * clients / 10000, f"{rss} MB resident with {clients} clients"
    finally:
        for s in socks:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        broker.stop()
