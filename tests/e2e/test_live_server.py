"""The live server the browser tests use: a browser that drops a connection mid-response leaves nothing open."""

from __future__ import annotations

import gc
import socket
import struct
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

pytestmark = pytest.mark.e2e

LARGE_STATIC_FILE = "/bootstrap/static/css/bootstrap.min.css"  # larger than the socket buffers: sent in many writes


def _drop_mid_response(host: str, port: int, path: str) -> None:
    # As Chromium does on navigating away: read the start of the answer, then reset the connection (RST, not FIN).
    with socket.create_connection((host, port)) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        assert b" 200 " in connection.recv(64)  # the file is on its way
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_connections_dropped_while_a_static_file_is_sent_leave_no_file_open(live_url):
    address = urlsplit(live_url)
    for _ in range(20):
        _drop_mid_response(address.hostname, address.port, LARGE_STATIC_FILE)
    with urlopen(f"{live_url}{LARGE_STATIC_FILE}") as response:  # the server still serves the whole file
        assert response.status == 200 and len(response.read()) > 100_000
    gc.collect()  # an unclosed file warns when it is collected: here, inside this test, not in a later one
