# SPDX-License-Identifier: BSD-3-Clause
"""pcap files (little-endian, Ethernet): what net_pcap reads and writes."""

import struct
from pathlib import Path

PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC = 0xA1B2C3D4, 0xA1B23C4D
PCAP_SNAPLEN = 65535
LINKTYPE_ETHERNET = 1
_HEADER = struct.Struct("<IHHiIII")
_RECORD = struct.Struct("<IIII")


def write(path, frames):
    """Frames to a pcap file, one a microsecond apart."""
    with open(path, "wb") as f:
        f.write(_HEADER.pack(PCAP_MAGIC_USEC, 2, 4, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHERNET))
        for i, frame in enumerate(frames):
            frame = bytes(frame)
            f.write(_RECORD.pack(1, i, len(frame), len(frame)) + frame)
    return Path(path)


def read(path):
    """The frames of a little-endian pcap file (a record still being
    written is left out)."""
    data = Path(path).read_bytes()
    if len(data) < _HEADER.size:
        return []
    magic = _HEADER.unpack_from(data, 0)[0]
    if magic not in (PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC):
        raise ValueError(f"{path}: not a little-endian pcap file ({magic:#x})")
    frames, off = [], _HEADER.size
    while off + _RECORD.size <= len(data):
        _, _, incl, orig = _RECORD.unpack_from(data, off)
        off += _RECORD.size
        if off + incl > len(data):
            break
        if incl != orig:
            raise ValueError(f"{path}: frame {len(frames)} captured {incl} of {orig} bytes")
        frames.append(data[off:off + incl])
        off += incl
    return frames
