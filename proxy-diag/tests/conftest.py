# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures for glb-proxy-diag's end-to-end tests (pdnet.py has the drawing)."""

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# this directory's modules, and glbnet (tests/glbnet), the harness they share
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "tests")]

import pdnet  # noqa: E402


@pytest.fixture(scope="session")
def net():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.fail("needs root and iproute2 (network namespaces): run as root")
    n = pdnet.Net()
    try:
        n.setup()
        yield n
    finally:
        n.teardown()


@pytest.fixture
def port(net):
    """A port of the VIPs no other test used."""
    return net.port()


@pytest.fixture
def socks():
    """Sockets a test opens; closed after it (socks.append(s), or socks += [...])."""
    held = []
    yield held
    pdnet.close_all(*held)
