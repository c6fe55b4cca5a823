#!/usr/bin/env python3
"""Regenerates the STUN decoder seed corpus (the .bin files next to this script).

Written independently of the Swift codec (plain struct packing, zlib CRC-32, hmac-sha1) so the
corpus also cross-checks the codec. `ok-*` files must decode; `bad-*` files must be rejected with
the error the tests name. Run: python3 gen.py (from this directory).
"""
import hashlib, hmac, os, struct, zlib

COOKIE = 0x2112A442
HERE = os.path.dirname(os.path.abspath(__file__))


def attr(t, value, pad=b"\x00"):
    return struct.pack("!HH", t, len(value)) + value + pad * ((4 - len(value) % 4) % 4)


def addr(ip, port):
    raw = ip if isinstance(ip, bytes) else bytes(int(x) for x in ip.split("."))
    return struct.pack("!BBH", 0, 1 if len(raw) == 4 else 2, port) + raw


def xaddr(ip, port, tid):
    raw = ip if isinstance(ip, bytes) else bytes(int(x) for x in ip.split("."))
    key = struct.pack("!I", COOKIE) + tid
    return struct.pack("!BBH", 0, 1 if len(raw) == 4 else 2, port ^ (COOKIE >> 16)) + bytes(
        b ^ key[i] for i, b in enumerate(raw))


def msg(mtype, tid, attrs, cookie=COOKIE, fingerprint=False, key=None):
    body = b"".join(attrs)
    if key is not None:
        head = struct.pack("!HHI", mtype, len(body) + 24, cookie) + tid
        body += attr(0x0008, hmac.new(key, head + body, hashlib.sha1).digest())
    if fingerprint:
        head = struct.pack("!HHI", mtype, len(body) + 8, cookie) + tid
        body += attr(0x8028, struct.pack("!I", zlib.crc32(head + body) ^ 0x5354554E))
    return struct.pack("!HHI", mtype, len(body), cookie) + tid + body


V6_DOC = bytes.fromhex("20010db8000000000000000000000001")        # 2001:db8::1
V6_DOC2 = bytes.fromhex("20010db80000000000000000000000aa")       # 2001:db8::aa
TID = bytes.fromhex("0102030405060708090a0b0c")

files = {
    # RFC 5769 section 2.1-2.4, byte for byte (same hex as RFC5769Tests.swift).
    "ok-rfc5769-2.1-request.bin": bytes.fromhex(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573742063"
        "6c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68"
        "367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e5"
        "7a3bcf"),
    "ok-rfc5769-2.2-response-ipv4.bin": bytes.fromhex(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f72"
        "20002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06b"
        "e7d780280004c07d4c96"),
    "ok-rfc5769-2.3-response-ipv6.bin": bytes.fromhex(
        "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f72"
        "20002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be6"
        "7bf11784c97c8292c275bfe3ed4180280004c8fb0b4c"),
    "ok-rfc5769-2.4-request-long-term.bin": bytes.fromhex(
        "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae383"
        "83e382afe382b900000015001c662f2f3439396b3935346436"
        "4f4c33346f4c394653547679363473410014000b6578616d706c652e6f726700000800"
        "14f67024656dd64a3e02b8e0712e85c9a28ca89666"),
    # RFC 3489 section 11: no magic cookie, the 128-bit transaction ID starts at byte 4.
    "ok-rfc3489-binding-request.bin": msg(
        0x0001, bytes.fromhex("8a3f00c1d2e3f405162738495a6b7c8d")[4:],
        [attr(0x0003, struct.pack("!I", 0x06))], cookie=0x8A3F00C1),
    "ok-rfc3489-binding-response.bin": msg(
        0x0101, bytes.fromhex("8a3f00c1d2e3f405162738495a6b7c8d")[4:],
        [attr(0x0001, addr("192.0.2.77", 40000)), attr(0x0004, addr("198.51.100.1", 3478)),
         attr(0x0005, addr("198.51.100.2", 3479))], cookie=0x8A3F00C1),
    # RFC 5780 section 7: a behaviour-discovery response and request.
    "ok-rfc5780-response-other-address.bin": msg(
        0x0101, TID,
        [attr(0x0020, xaddr("203.0.113.5", 50000, TID)), attr(0x0001, addr("203.0.113.5", 50000)),
         attr(0x802B, addr("198.51.100.1", 3478)), attr(0x802C, addr("198.51.100.2", 3479)),
         attr(0x8022, b"p2ptui")], fingerprint=True),
    "ok-rfc5780-request-response-port-padding.bin": msg(
        0x0001, TID,
        [attr(0x0003, struct.pack("!I", 0x02)), attr(0x0027, struct.pack("!H", 40001)),
         attr(0x0026, b"\x00" * 17)], fingerprint=True),
    "ok-ipv6-response-other-address.bin": msg(
        0x0101, TID,
        [attr(0x0020, xaddr(V6_DOC, 61000, TID)), attr(0x802B, addr(V6_DOC2, 3478)),
         attr(0x802C, addr(V6_DOC2, 3479))], fingerprint=True),
    # RFC 8489 section 14.8/14.9: 420 with the unknown comprehension-required types.
    "ok-error-420-unknown-attributes.bin": msg(
        0x0111, TID,
        [attr(0x0009, struct.pack("!HBB", 0, 4, 20) + b"Unknown Attribute"),
         attr(0x000A, struct.pack("!HHH", 0x0024, 0x7FFF, 0x0031)), attr(0x8022, b"p2ptui")]),
    # Unknown types are kept raw, including an empty one; short-term MESSAGE-INTEGRITY with key "pass".
    "ok-unknown-attributes-raw.bin": msg(
        0x0001, TID,
        [attr(0x0024, struct.pack("!I", 0x6E0001FF)), attr(0xC057, b"\x01\x02\x03"), attr(0x8030, b""),
         attr(0x0006, b"user")], key=b"pass", fingerprint=True),
    # Malformed samples: each must be rejected (see CorpusTests.swift for the expected error).
    "bad-short-header.bin": bytes.fromhex("000100002112a442010203"),
    "bad-first-byte.bin": bytes.fromhex("80c8000600000001") + TID,  # an RTCP-like first byte
    "bad-length-not-multiple-of-4.bin": struct.pack("!HHI", 0x0001, 6, COOKIE) + TID + b"\x80\x22\x00\x02ab",
    "bad-length-mismatch.bin": struct.pack("!HHI", 0x0101, 16, COOKIE) + TID + attr(0x0001, addr("192.0.2.1", 1)),
    "bad-attribute-overruns.bin": struct.pack("!HHI", 0x0101, 12, COOKIE) + TID
        + struct.pack("!HH", 0x0020, 20) + addr("192.0.2.1", 1),
    "bad-address-family.bin": msg(0x0101, TID, [attr(0x0001, struct.pack("!BBH", 0, 3, 1) + b"\x01\x02\x03\x04")]),
    "bad-xor-ipv6-too-short.bin": msg(0x0101, TID, [attr(0x8022, b"x"), attr(0x0020, struct.pack("!BBH", 0, 2, 1) + b"\x01\x02\x03\x04")]),
    "bad-error-code-class.bin": msg(0x0111, TID, [attr(0x0009, struct.pack("!HBB", 0, 2, 99) + b"nope")]),
    "bad-fingerprint-length.bin": msg(0x0001, TID, [attr(0x8028, b"\x00\x00\x00\x00\x00")]),
}

for name, data in files.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
print(len(files), "files")
