"""A tiny MaxMind DB writer (MaxMind DB File Format Specification 2.0,
https://maxmind.github.io/MaxMind-DB/), enough for the tests to give
libmaxminddb a database of their own: IPv4 networks -> maps of strings,
maps and arrays. 24-bit records, one search tree over 32 bits.

    write_mmdb(path, {"127.0.0.0/8": {"country": {"iso_code": "NZ"}}})
"""

import ipaddress
import struct
import time

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"


def _ctrl(type_, size):
    """The control byte(s) of a field: 3 type bits (extended types after a
    0 type, in the next byte as type - 7) and a size with its extension."""
    ext = b""
    if type_ > 7:
        ext = bytes([type_ - 7])
        type_ = 0
    if size < 29:
        head, more = size, b""
    elif size < 29 + 256:
        head, more = 29, bytes([size - 29])
    elif size < 285 + 65536:
        head, more = 30, struct.pack(">H", size - 285)
    else:
        head, more = 31, struct.pack(">I", size - 65821)[1:]
    return bytes([(type_ << 5) | head]) + ext + more


def _uint(type_, n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return _ctrl(type_, len(raw)) + raw


def encode(value, kind=None):
    """One value of the data section. kind picks the integer type
    ("uint16", "uint32", "uint64"); ints default to uint32."""
    if isinstance(value, bool):
        return _ctrl(14, 1 if value else 0)
    if isinstance(value, int):
        return _uint({"uint16": 5, "uint32": 6, "uint64": 9}[kind or "uint32"],
                     value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _ctrl(2, len(raw)) + raw
    if isinstance(value, dict):
        out = _ctrl(7, len(value))
        for k, v in value.items():
            k, _, kk = k.partition(":")  # "node_count:uint32"
            out += encode(k) + encode(v, kk or None)
        return out
    if isinstance(value, (list, tuple)):
        return _ctrl(11, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError(value)


def write_mmdb(path, networks, database_type="Gatehouse-Test"):
    """networks: {"a.b.c.d/n": record}; more specific networks win."""
    data = b""
    offsets = []
    nodes = [[None, None]]  # each record: ("node", i) | ("data", off) | None
    for cidr, record in sorted(networks.items(),
                               key=lambda kv: ipaddress.ip_network(kv[0]).prefixlen):
        net = ipaddress.ip_network(cidr)
        if net.version != 4:
            raise ValueError("IPv4 networks only: %s" % cidr)
        off = len(data)
        data += encode(record)
        offsets.append(off)
        bits = int(net.network_address)
        node = 0
        for depth in range(net.prefixlen):
            bit = (bits >> (31 - depth)) & 1
            if depth == net.prefixlen - 1:
                nodes[node][bit] = ("data", off)
                break
            nxt = nodes[node][bit]
            if nxt is None or nxt[0] == "data":
                # A less specific network's data covers both halves below.
                nodes.append([nxt, nxt])
                nodes[node][bit] = ("node", len(nodes) - 1)
                nxt = nodes[node][bit]
            node = nxt[1]
    count = len(nodes)

    def rec(r):
        if r is None:
            return count
        if r[0] == "node":
            return r[1]
        return count + 16 + r[1]

    tree = b""
    for left, right in nodes:
        tree += rec(left).to_bytes(3, "big") + rec(right).to_bytes(3, "big")
    meta = encode({
        "node_count:uint32": count,
        "record_size:uint16": 24,
        "ip_version:uint16": 4,
        "database_type": database_type,
        "languages": ["en"],
        "binary_format_major_version:uint16": 2,
        "binary_format_minor_version:uint16": 0,
        "build_epoch:uint64": int(time.time()),
        "description": {"en": "Gatehouse e2e test database"},
    })
    with open(path, "wb") as f:
        f.write(tree + b"\0" * 16 + data + METADATA_MARKER + meta)
