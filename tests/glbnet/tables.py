# SPDX-License-Identifier: BSD-3-Clause
"""Forwarding table JSON (SPEC §2), and compiling it into the binary table
a director loads (glb-director-cli build-config)."""

import json
import os
from pathlib import Path

from .paths import CLI
from .util import sh


def backend(ip, state="active", healthy=True, healthchecks=None):
    """A backend entry; healthy=None leaves the field out (the healthcheck
    daemon fills it in), healthchecks like {"gue": 19523, "http": 80}."""
    b = {"ip": ip, "state": state}
    if healthy is not None:
        b["healthy"] = healthy
    if healthchecks:
        b["healthchecks"] = dict(healthchecks)
    return b


def bind(ip, proto, port=None, port_start=None, port_end=None):
    b = {"ip": ip, "proto": proto}
    if port is not None:
        b["port"] = port
    else:
        b["port_start"], b["port_end"] = port_start, port_end
    return b


def _hex(key):
    return key.hex() if isinstance(key, (bytes, bytearray)) else key


def table(name, hash_key, seed, binds, backends):
    """A table; hash_key and seed as 16 bytes or 32 hex digits."""
    return {"name": name, "hash_key": _hex(hash_key), "seed": _hex(seed),
            "binds": list(binds), "backends": list(backends)}


def document(tables, healthchecks=None):
    """The whole file: {"tables": [...]}, with the healthcheck timing
    ({"interval_ms", "timeout_ms", "trigger"}) when given."""
    doc = {}
    if healthchecks:
        doc["healthchecks"] = dict(healthchecks)
    doc["tables"] = list(tables)
    return doc


def dumps(tables) -> str:
    return json.dumps({"tables": list(tables)}, indent=2)


def write_json(path, doc):
    """Write JSON so that a reader sees the old file or the new one, never half."""
    path = str(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path


def compile_table(src, out):
    """glb-director-cli build-config SRC OUT; returns OUT."""
    sh(CLI, "build-config", "--quiet", src, out)
    return out


def compile_document(doc, out):
    """doc (a whole table file, as document() makes it) written beside OUT
    as OUT.json and compiled into OUT; returns OUT."""
    out = Path(out)
    return compile_table(write_json(out.with_suffix(".json"), doc), out)
