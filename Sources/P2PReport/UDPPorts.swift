// Ports as numbers over `UDPSection`'s JSON maps, whose keys are decimal strings because JSON
// object keys are strings (docs/report-schema.md, `udp.ports`).

extension UDPSection {
    /// What happened on `port`.
    public subscript(port port: UInt16) -> PortReach? {
        get { ports[String(port)] }
        set { ports[String(port)] = newValue }
    }

    /// How `port` failed, when it did.
    public subscript(failure port: UInt16) -> PortFailure? {
        get { failures[String(port)] }
        set { failures[String(port)] = newValue }
    }

    /// The keys of `ports` whose value passes `include`, in numeric order. A key that is not a
    /// number (p2ptui never writes one; a hand-edited report might) sorts as 0, then by its text.
    public func portKeys(where include: (PortReach) -> Bool = { _ in true }) -> [String] {
        ports.filter { include($0.value) }.keys.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
    }
}
