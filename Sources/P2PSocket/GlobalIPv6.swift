import P2PAddress

/// RFC 4291 section 2.4 / RFC 3587: global unicast is 2000::/3. Link-local (fe80::/10), ULA
/// (fc00::/7), loopback and multicast never reach the internet. (2001:db8::/32, documentation,
/// lies inside 2000::/3 and counts as global here, which the lab relies on.)
public func isGlobalIPv6(_ ip: IPAddress) -> Bool {
    guard case .v6(let b) = ip, b.count == 16 else { return false }
    return b[0] & 0xE0 == 0x20
}

/// The global IPv6 addresses of the up, non-loopback interfaces, each once, in order.
public func globalIPv6Addresses(_ interfaces: [InterfaceAddress]) -> [IPAddress] {
    var out: [IPAddress] = []
    for i in interfaces where i.isUp && !i.isLoopback && isGlobalIPv6(i.address) && !out.contains(i.address) {
        out.append(i.address)
    }
    return out
}
