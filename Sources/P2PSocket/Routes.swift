import Glibc
import STUNCodec

/// A default IPv4 route: the interface and the gateway it points at.
public struct RouteEntry: Sendable, Equatable {
    public var interface: String
    public var gateway: IPAddress

    public init(interface: String, gateway: IPAddress) {
        self.interface = interface
        self.gateway = gateway
    }
}

/// Default IPv4 gateways from /proc/net/route text: rows whose destination and mask are 0 and
/// whose flags include RTF_UP|RTF_GATEWAY (0x3). Addresses there are the kernel's u32 printed
/// in hex, i.e. little-endian on x86: "0100000A" is 10.0.0.1. Malformed rows are skipped.
public func parseProcNetRoute(_ text: String) -> [RouteEntry] {
    let rtfUp: UInt32 = 0x1, rtfGateway: UInt32 = 0x2
    var out: [RouteEntry] = []
    for line in text.split(whereSeparator: \.isNewline) {
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard f.count >= 8, f[0] != "Iface",
              let destination = UInt32(f[1], radix: 16), let gateway = UInt32(f[2], radix: 16),
              let flags = UInt32(f[3], radix: 16), let mask = UInt32(f[7], radix: 16) else { continue }
        guard destination == 0, mask == 0, flags & (rtfUp | rtfGateway) == rtfUp | rtfGateway else { continue }
        let ip = IPAddress.v4(UInt8(gateway & 0xff), UInt8(gateway >> 8 & 0xff),
                              UInt8(gateway >> 16 & 0xff), UInt8(gateway >> 24))
        let entry = RouteEntry(interface: String(f[0]), gateway: ip)
        if !out.contains(entry) { out.append(entry) }
    }
    return out
}

/// Reads `path` and parses it; empty when the file cannot be read (non-Linux, sandbox).
public func defaultGateways(procNetRoute path: String = "/proc/net/route") -> [RouteEntry] {
    guard let text = readSmallFile(path) else { return [] }
    return parseProcNetRoute(text)
}

/// Reads a small text file with plain POSIX calls (procfs files report size 0, so read to EOF).
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { Sys.close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while data.count < 1 << 20 {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return nil }
        if n == 0 { break }
        data += chunk[0..<n]
    }
    return String(decoding: data, as: UTF8.self)
}
