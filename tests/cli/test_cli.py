# SPDX-License-Identifier: BSD-3-Clause
"""glb-director-cli end to end: real files in a temp directory, real exit codes.

Expected values come from the SPEC and from code in this file (a pure-Python
SipHash-2-4 and a reader of the binary table format), never from the tool.

Run: /usr/bin/python3 -m pytest -q tests/cli
"""

import hashlib
import ipaddress
import json
import os
import stat
import struct
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
BUILD_ROOT = Path(os.environ.get("GLB_BUILD_ROOT", HERE.parents[2] / "build"))
CLI = BUILD_ROOT / "director" / "glb-director-cli"
VECTORS = Path(os.environ.get("GLB_VECTORS_DIR", HERE.parents[3] / "shared" / "vectors"))
VECTOR_JSON = VECTORS / "table-example.json"
VECTOR_SHA256 = VECTORS / "table-example.sha256"

ROWS = 65536
NO_BACKEND = 0xFFFFFFFF


def run(*args, check=None):
    """Run the CLI; returns CompletedProcess with text stdout/stderr."""
    p = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=120)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


# ---- SipHash-2-4, from the paper ----

MASK = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash24(key: bytes, msg: bytes) -> bytes:
    """The 8 output bytes of SipHash-2-4."""
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def sipround():
        v[0] = (v[0] + v[1]) & MASK
        v[1] = _rotl(v[1], 13) ^ v[0]
        v[0] = _rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & MASK
        v[3] = _rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & MASK
        v[3] = _rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & MASK
        v[1] = _rotl(v[1], 17) ^ v[2]
        v[2] = _rotl(v[2], 32)

    tail = len(msg) % 8
    blocks = [struct.unpack_from("<Q", msg, i)[0] for i in range(0, len(msg) - tail, 8)]
    last = (len(msg) & 0xFF) << 56
    for i, byte in enumerate(msg[len(msg) - tail:]):
        last |= byte << (8 * i)
    for m in blocks + [last]:
        v[3] ^= m
        sipround()
        sipround()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        sipround()
    return struct.pack("<Q", v[0] ^ v[1] ^ v[2] ^ v[3])


def flow_hash(key: bytes, src=None, dst=None, sport=None, dport=None) -> int:
    """SPEC §5: the selected fields in order, network order; output read little-endian."""
    msg = b""
    if src is not None:
        msg += ipaddress.ip_address(src).packed
    if dst is not None:
        msg += ipaddress.ip_address(dst).packed
    if sport is not None:
        msg += struct.pack(">H", sport)
    if dport is not None:
        msg += struct.pack(">H", dport)
    return struct.unpack("<Q", siphash24(key, msg))[0]


# ---- reading the binary table (SPEC §3) ----

HDR = struct.Struct("<4s5I")
BACKEND = struct.Struct("<I16sHH")
BIND = struct.Struct("<I16sHHHBB")
TABLE_SIZE = 4 + 256 * BACKEND.size + 4 + 256 * BIND.size + 16 + ROWS * 8


def read_table_file(path):
    data = Path(path).read_bytes()
    magic, version, num_tables, entries, max_backends, max_binds = HDR.unpack_from(data, 0)
    assert (magic, version, entries, max_backends, max_binds) == (b"GLBD", 2, ROWS, 256, 256)
    assert len(data) == HDR.size + num_tables * TABLE_SIZE
    tables = []
    for t in range(num_tables):
        off = HDR.size + t * TABLE_SIZE
        (num_backends,) = struct.unpack_from("<I", data, off)
        off += 4
        backends = []
        for i in range(num_backends):
            family, addr, state, health = BACKEND.unpack_from(data, off + i * BACKEND.size)
            assert family == 1
            backends.append({"ip": str(ipaddress.IPv4Address(addr[:4])), "state": state,
                             "health": health})
        off += 256 * BACKEND.size
        (num_binds,) = struct.unpack_from("<I", data, off)
        off += 4 + 256 * BIND.size
        key = data[off:off + 16]
        off += 16
        flat = struct.unpack_from(f"<{2 * ROWS}I", data, off)
        rows = list(zip(flat[0::2], flat[1::2]))
        tables.append({"backends": backends, "num_binds": num_binds, "key": key, "rows": rows})
    return tables


# ---- fixtures ----

@pytest.fixture(scope="session", autouse=True)
def cli_exists():
    if not CLI.exists():
        pytest.fail(f"{CLI} not built (set GLB_BUILD_ROOT)")


@pytest.fixture
def vector_bin(tmp_path):
    out = tmp_path / "forwarding_table.bin"
    run("build-config", VECTOR_JSON, out, check=0)
    return out


def director_conf():
    """The shipped run-to-completion director.conf, as a dict to vary."""
    return json.loads((HERE.parents[2] / "config" / "director-rtc.conf").read_text())


def write_json(path, doc):
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def base_table(name="t", backends=None):
    return {
        "name": name,
        "hash_key": "000102030405060708090a0b0c0d0e0f",
        "seed": "f0e0d0c0b0a09080706050403020100f",
        "binds": [{"ip": "192.0.2.10", "proto": "tcp", "port": 443}],
        "backends": backends if backends is not None else [
            {"ip": "10.0.0.1", "state": "active", "healthy": True},
            {"ip": "10.0.0.2", "state": "active", "healthy": True},
        ],
    }


# ---- our SipHash is the reference one ----

def test_python_siphash_matches_reference_vectors():
    """vectors/README.md: n = 0 (the empty message) and n = 15 (a block and a tail)."""
    key = bytes(range(16))
    assert siphash24(key, b"") == bytes.fromhex("310e0edd47db6f72")
    assert siphash24(key, bytes(range(15))) == bytes.fromhex("e545be4961ca29a1")


# ---- build-config ----

def test_build_config_vector_matches_published_sha256(vector_bin):
    want = VECTOR_SHA256.read_text().split()[0]
    assert hashlib.sha256(vector_bin.read_bytes()).hexdigest() == want


def test_build_config_leaves_no_temp_files(tmp_path, vector_bin):
    run("build-config", VECTOR_JSON, vector_bin, check=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [vector_bin.name]


BAD_DOC = {
    "tables": [
        {
            "name": "web",
            "hash_key": "000102030405060708090a0b0c0d0e0f",
            "seed": "f0e0d0c0b0a09080706050403020100f",
            "binds": [{"ip": "192.0.2.10", "proto": "sctp", "port": 443}],
            "backends": [
                {"ip": "10.0.0.1", "state": "active", "healthy": True},
                {"ip": "10.0.0.2", "state": "sleepy", "healthy": True},
            ],
        },
        {
            "name": "api",
            "hash_key": "00010203",
            "seed": "f0e0d0c0b0a09080706050403020100f",
            "binds": [{"ip": "192.0.2.11", "proto": "tcp", "port_start": 90, "port_end": 80}],
            "backends": [{"ip": "2001:db8::1", "state": "active", "healthy": True}],
        },
    ]
}

# (table, entry or None, field) of each mistake in BAD_DOC
BAD_DOC_PROBLEMS = [
    ("table 0", "bind 0", "proto"),
    ("table 0", "backend 1", "state"),
    ("table 1", None, "hash_key"),
    ("table 1", "bind 0", "port"),
    ("table 1", "backend 0", "ip"),
]


def check_problems_reported(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) >= len(BAD_DOC_PROBLEMS), stderr
    for table, entry, field in BAD_DOC_PROBLEMS:
        assert any(table in line and (entry is None or entry in line) and field in line
                   for line in lines), f"no line names {table} {entry} {field}:\n{stderr}"


def test_build_config_invalid_reports_every_problem_and_creates_nothing(tmp_path):
    src = write_json(tmp_path / "bad.json", BAD_DOC)
    out = tmp_path / "out.bin"
    p = run("build-config", src, out)
    assert p.returncode != 0
    check_problems_reported(p.stderr)
    assert not out.exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.json"]


def test_build_config_invalid_keeps_existing_output(tmp_path, vector_bin):
    old = vector_bin.read_bytes()
    os.utime(vector_bin, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    before = vector_bin.stat()
    src = write_json(tmp_path / "bad.json", BAD_DOC)
    p = run("build-config", src, vector_bin)
    assert p.returncode != 0
    check_problems_reported(p.stderr)
    after = vector_bin.stat()
    assert vector_bin.read_bytes() == old
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == \
        (before.st_ino, before.st_mtime_ns, before.st_size)
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(["bad.json", vector_bin.name])


def test_build_config_syntax_error_names_line(tmp_path):
    src = tmp_path / "broken.json"
    src.write_text('{"tables": [\n  {"name": "x",\n   "seed": ,\n  }]}\n')
    out = tmp_path / "out.bin"
    p = run("build-config", src, out)
    assert p.returncode != 0
    assert "line 3" in p.stderr or "3:" in p.stderr, p.stderr
    assert not out.exists()


def test_build_config_missing_input_names_it(tmp_path):
    src = tmp_path / "nope.json"
    out = tmp_path / "out.bin"
    p = run("build-config", src, out)
    assert p.returncode != 0
    assert str(src) in p.stderr
    assert not out.exists()


def test_build_config_output_in_missing_directory_fails(tmp_path):
    out = tmp_path / "no-such-dir" / "out.bin"
    p = run("build-config", VECTOR_JSON, out)
    assert p.returncode != 0
    assert p.stderr.strip()
    assert not out.parent.exists()


def test_build_config_never_replaces_a_device(tmp_path):
    """As root the rename would turn /dev/null into a regular file."""
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    p = run("build-config", VECTOR_JSON, dev, check=3)
    assert str(dev) in p.stderr and "not a regular file" in p.stderr, p.stderr
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
    assert not [f for f in os.listdir(tmp_path) if f != "null"], "a temp file was left"


@pytest.mark.parametrize("kind", ["symlink", "directory", "fifo"])
def test_build_config_never_replaces_what_is_not_a_regular_file(tmp_path, kind):
    target = tmp_path / "real.bin"
    target.write_bytes(b"keep me")
    out = tmp_path / "out.bin"
    if kind == "symlink":
        out.symlink_to(target)
    elif kind == "directory":
        out.mkdir()
    else:
        os.mkfifo(out)
    p = run("build-config", VECTOR_JSON, out, check=3)
    assert "not a regular file" in p.stderr, p.stderr
    assert target.read_bytes() == b"keep me"
    assert {"symlink": out.is_symlink, "directory": out.is_dir,
            "fifo": lambda: stat.S_ISFIFO(os.lstat(out).st_mode)}[kind]()


@pytest.mark.parametrize("how", ["same path", "hard link"])
def test_build_config_refuses_out_equal_to_in(tmp_path, how):
    src = tmp_path / "table.json"
    src.write_text(VECTOR_JSON.read_text())
    out = src if how == "same path" else tmp_path / "link.bin"
    if how == "hard link":
        os.link(src, out)
    p = run("build-config", src, out, check=2)
    assert "is IN" in p.stderr, p.stderr
    assert src.read_text() == VECTOR_JSON.read_text()


# ---- dump ----

def dump_json(path):
    p = run("dump", "--json", path, check=0)
    return json.loads(p.stdout)


def test_dump_json_matches_file(vector_bin):
    doc = dump_json(vector_bin)
    src = json.loads(VECTOR_JSON.read_text())
    parsed = read_table_file(vector_bin)
    assert len(doc["tables"]) == len(src["tables"]) == len(parsed)
    for i, (dt, st, pt) in enumerate(zip(doc["tables"], src["tables"], parsed)):
        assert dt["index"] == i
        assert dt["hash_key"].lower() == st["hash_key"]
        assert len(dt["binds"]) == len(st["binds"])
        assert [b["index"] for b in dt["backends"]] == list(range(len(st["backends"])))
        for db, sb in zip(dt["backends"], st["backends"]):
            want_state = "draining" if sb["state"] == "inactive" else sb["state"]
            assert (db["ip"], db["state"], db["healthy"]) == (sb["ip"], want_state, sb["healthy"])
        for j, db in enumerate(dt["backends"]):
            assert db["primary_rows"] == sum(1 for p, _ in pt["rows"] if p == j)
            assert db["secondary_rows"] == sum(1 for _, s in pt["rows"] if s == j)
        assert sum(b["primary_rows"] for b in dt["backends"]) == ROWS
        assert sum(b["secondary_rows"] for b in dt["backends"]) == ROWS


def test_dump_json_draining_and_down_backends_get_no_primary_rows(vector_bin):
    t0, t1 = dump_json(vector_bin)["tables"]
    assert t0["backends"][2]["primary_rows"] == 0     # draining
    assert t0["backends"][4]["primary_rows"] == 0     # inactive
    assert t0["backends"][4]["secondary_rows"] == 0
    assert t1["backends"][1]["primary_rows"] == 0     # unhealthy
    assert t1["backends"][3]["primary_rows"] == 0     # unhealthy


def test_dump_text_lists_backends_with_counts(vector_bin):
    p = run("dump", vector_bin, check=0)
    parsed = read_table_file(vector_bin)
    for t in parsed:
        for j, b in enumerate(t["backends"]):
            line = next((ln for ln in p.stdout.splitlines() if b["ip"] in ln.split()), None)
            assert line is not None, f"{b['ip']} missing:\n{p.stdout}"
            prim = sum(1 for r in t["rows"] if r[0] == j)
            sec = sum(1 for r in t["rows"] if r[1] == j)
            assert str(prim) in line and str(sec) in line, line
    assert "draining" in p.stdout
    assert "active" in p.stdout


def test_dump_all_inactive_table_has_no_primary_rows(tmp_path):
    src = write_json(tmp_path / "idle.json", {"tables": [base_table(backends=[
        {"ip": "10.0.0.1", "state": "inactive", "healthy": True},
        {"ip": "10.0.0.2", "state": "inactive", "healthy": False},
    ])]})
    out = tmp_path / "idle.bin"
    run("build-config", src, out, check=0)
    (t,) = read_table_file(out)
    assert len(t["backends"]) == 2
    assert set(t["rows"]) == {(NO_BACKEND, NO_BACKEND)}
    (dt,) = dump_json(out)["tables"]
    assert [b["primary_rows"] for b in dt["backends"]] == [0, 0]


def test_dump_rejects_truncated_file(tmp_path, vector_bin):
    cut = tmp_path / "cut.bin"
    cut.write_bytes(vector_bin.read_bytes()[:-1])
    p = run("dump", cut)
    assert p.returncode != 0
    assert str(cut) in p.stderr


# ---- route ----

def route_json(path, *args):
    return json.loads(run("route", "--json", path, *args, check=0).stdout)


def check_route(got, tables, table, key_fields):
    t = tables[table]
    h = flow_hash(t["key"], **key_fields)
    row = h & 0xFFFF
    primary, secondary = t["rows"][row]
    assert got["table"] == table
    assert got["row"] == row
    hv = got["hash"]
    assert (hv if isinstance(hv, int) else int(hv, 16)) == h
    assert got["primary"] == t["backends"][primary]["ip"]
    assert got["secondary"] == t["backends"][secondary]["ip"]
    assert all(isinstance(x, str) for x in got["hops"])
    assert got["hops"][:2] == [got["primary"], got["secondary"]]


ROUTE_CASES = [
    # (src, dst, sport, dport, proto, table)
    ("198.51.100.7", "192.0.2.80", 40000, 80, "tcp", 0),
    ("203.0.113.200", "192.0.2.80", 1234, 80, "tcp", 0),
    ("198.51.100.7", "192.0.2.5", 40000, 8080, "tcp", 0),    # the /28 range bind
    ("198.51.100.9", "192.0.2.81", 5555, 22, "tcp", 1),
    ("2001:db8:1::7", "2001:db8:80::1", 40000, 443, "tcp", 0),
]


@pytest.mark.parametrize("src,dst,sport,dport,proto,table", ROUTE_CASES)
def test_route_default_hash_is_source_address(vector_bin, src, dst, sport, dport, proto, table):
    got = route_json(vector_bin, src, dst, sport, dport, proto)
    check_route(got, read_table_file(vector_bin), table, {"src": src})


@pytest.mark.parametrize("src,dst,sport,dport,proto,table", ROUTE_CASES)
def test_route_hash_fields_from_config(tmp_path, vector_bin, src, dst, sport, dport, proto, table):
    conf = write_json(tmp_path / "director.conf", dict(director_conf(), hash_fields={
        "src_addr": True, "dst_addr": True, "src_port": True, "dst_port": True}))
    p = run("route", "--json", "--config", conf, vector_bin, src, dst, sport, dport, proto,
            check=0)
    check_route(json.loads(p.stdout), read_table_file(vector_bin), table,
                {"src": src, "dst": dst, "sport": sport, "dport": dport})


def test_route_config_is_checked_whole_as_the_director_loads_it(tmp_path, vector_bin):
    """A config the director would refuse routes nothing, even with good hash keys."""
    conf = write_json(tmp_path / "director.conf", {"hash_fields": {"src_addr": True}})
    p = run("route", "--config", conf, vector_bin, "198.51.100.7", check=1)
    assert "outbound_gateway_mac" in p.stderr and str(conf) in p.stderr, p.stderr


def test_route_on_a_file_without_tables_says_so(tmp_path):
    src = write_json(tmp_path / "none.json", {"tables": []})
    out = tmp_path / "none.bin"
    run("build-config", src, out, check=0)
    p = run("route", out, "198.51.100.7", check=4)
    assert "no tables" in p.stderr, p.stderr


def test_route_negative_port_is_a_bad_port_not_an_option(vector_bin):
    p = run("route", vector_bin, "198.51.100.7", "192.0.2.80", "-1", "80", "tcp", check=2)
    assert "SPORT and DPORT" in p.stderr and "invalid option" not in p.stderr, p.stderr


def test_route_text_names_table_row_and_proxies(vector_bin):
    tables = read_table_file(vector_bin)
    src = "198.51.100.7"
    row = flow_hash(tables[0]["key"], src=src) & 0xFFFF
    primary, secondary = tables[0]["rows"][row]
    p = run("route", vector_bin, src, "192.0.2.80", 40000, 80, "tcp", check=0)
    assert str(row) in p.stdout
    assert tables[0]["backends"][primary]["ip"] in p.stdout
    assert tables[0]["backends"][secondary]["ip"] in p.stdout


def route_lines(path, *srcs):
    p = run("route", "--json", path, *srcs, check=0)
    return [json.loads(line) for line in p.stdout.splitlines()]


def test_route_sources_alone_one_json_line_each_in_every_table(vector_bin):
    srcs = ["198.51.100.7", "203.0.113.200", "2001:db8:1::7"]
    tables = read_table_file(vector_bin)
    got = route_lines(vector_bin, *srcs)
    assert [g["src"] for g in got] == srcs
    for g in got:
        assert [r["table"] for r in g["routes"]] == list(range(len(tables)))
        for r in g["routes"]:
            check_route(r, tables, r["table"], {"src": g["src"]})


def test_route_five_addresses_are_five_sources_not_a_tuple(vector_bin):
    srcs = [f"198.51.100.{i}" for i in range(1, 6)]
    got = route_lines(vector_bin, *srcs)
    assert [g["src"] for g in got] == srcs


def test_route_many_sources_agree_with_one_at_a_time(vector_bin):
    srcs = [f"198.51.100.{i}" for i in range(10, 30)]
    together = route_lines(vector_bin, *srcs)
    alone = [route_lines(vector_bin, s)[0] for s in srcs]
    assert together == alone


def test_route_a_bad_source_among_many_is_a_usage_error(vector_bin):
    p = run("route", vector_bin, "198.51.100.7", "198.51.100.x", "198.51.100.9", check=2)
    assert "198.51.100.x" in p.stderr and "not an IP address" in p.stderr


@pytest.mark.parametrize("dst,dport,proto", [
    ("203.0.113.1", 80, "tcp"),     # no bind has this address
    ("192.0.2.80", 81, "tcp"),      # right address, wrong port
    ("192.0.2.80", 80, "udp"),      # right address and port, wrong protocol
])
def test_route_without_matching_bind_fails_clearly(vector_bin, dst, dport, proto):
    p = run("route", "--json", vector_bin, "198.51.100.7", dst, 40000, dport, proto)
    assert p.returncode != 0
    msg = p.stderr.lower()
    assert "match" in msg or "bind" in msg or "no table" in msg, p.stderr


def test_route_to_table_without_backend_fails(tmp_path):
    src = write_json(tmp_path / "idle.json", {"tables": [base_table(backends=[
        {"ip": "10.0.0.1", "state": "inactive", "healthy": True}])]})
    out = tmp_path / "idle.bin"
    run("build-config", src, out, check=0)
    p = run("route", out, "198.51.100.7", "192.0.2.10", 40000, 443, "tcp")
    assert p.returncode != 0
    assert p.stderr.strip()


# ---- flow-rules ----

def test_flow_rules_steer_every_bind_and_its_icmp_to_the_vf(vector_bin):
    """The example table: tcp 192.0.2.80:80, 192.0.2.0/28 tcp 8000-8080 (too long a
    range: the protocol), 2001:db8:80::1 tcp 443, and 192.0.2.81 tcp 22."""
    p = run("flow-rules", "--iface", "eth2", "--vf", "1", vector_bin, check=0)
    lines = [line for line in p.stdout.splitlines() if not line.startswith("#")]
    tail = " vf 1 queue 0"
    assert all(line.startswith("ethtool -N eth2 flow-type ") and line.endswith(tail)
               for line in lines), p.stdout
    rules = {line[len("ethtool -N eth2 flow-type "):-len(tail)] for line in lines}
    assert rules == {
        "tcp4 dst-ip 192.0.2.80 dst-port 80", "ip4 dst-ip 192.0.2.80 l4proto 1",
        "tcp4 dst-ip 192.0.2.0 m 0.0.0.15", "ip4 dst-ip 192.0.2.0 m 0.0.0.15 l4proto 1",
        "tcp6 dst-ip 2001:db8:80::1 dst-port 443", "ip6 dst-ip 2001:db8:80::1 l4proto 58",
        "tcp4 dst-ip 192.0.2.81 dst-port 22", "ip4 dst-ip 192.0.2.81 l4proto 1",
    }, p.stdout
    assert len(lines) == len(rules)


def test_flow_rules_without_a_vf_steer_to_a_queue(vector_bin):
    p = run("flow-rules", "--iface", "eth2", "--queue", "3", vector_bin, check=0)
    lines = [line for line in p.stdout.splitlines() if not line.startswith("#")]
    assert lines and all(line.endswith(" action 3") for line in lines), p.stdout


@pytest.mark.parametrize("args", [["--iface", "eth2;reboot"], ["--iface", "a" * 16],
                                  ["--iface", "eth2", "--vf", "-1"], ["--iface", "eth2", "--vf",
                                                                      "256"], []])
def test_flow_rules_bad_command_line(vector_bin, args):
    p = run("flow-rules", *args, vector_bin, check=2)
    assert p.stdout == "" and p.stderr.strip()


def test_flow_rules_for_a_table_without_binds_say_so(tmp_path):
    doc = {"tables": [dict(base_table(), binds=[])]}
    out = tmp_path / "nobinds.bin"
    run("build-config", write_json(tmp_path / "nobinds.json", doc), out, check=0)
    p = run("flow-rules", "--iface", "eth2", out, check=4)
    assert "no binds" in p.stderr


# ---- help ----

@pytest.mark.parametrize("cmd", [[], ["build-config"], ["dump"], ["route"], ["flow-rules"]])
def test_help_exits_zero_with_usage(cmd):
    p = run(*cmd, "--help", check=0)
    assert "usage" in p.stdout.lower(), p.stdout


def test_no_command_is_a_usage_error():
    p = run()
    assert p.returncode != 0
    assert "usage" in (p.stdout + p.stderr).lower()


def test_unknown_command_is_a_usage_error():
    p = run("frobnicate")
    assert p.returncode != 0
    assert "frobnicate" in p.stderr
