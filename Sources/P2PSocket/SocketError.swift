import Glibc

/// A failed system call: which call, and the errno it set.
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call (or step) that failed, e.g. "sendto".
    public let call: String
    /// The errno value.
    public let code: Int32

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    /// "sendto: Network is unreachable (errno 101)".
    public var description: String {
        "\(call): \(String(cString: strerror(code))) (errno \(code))"
    }

    /// No route to the network or host (locally, or an ICMP destination-unreachable that is not
    /// "port unreachable").
    public var isUnreachable: Bool { code == ENETUNREACH || code == EHOSTUNREACH }

    /// The destination answered "port unreachable" (ICMP type 3 code 3 / ICMPv6 type 1 code 4).
    public var isRefused: Bool { code == ECONNREFUSED }

    /// A local policy refused the send: EPERM from a netfilter reject/drop on output, EACCES
    /// (e.g. broadcast without SO_BROADCAST).
    public var isBlockedLocally: Bool { code == EPERM || code == EACCES }

    /// Any of the above: the packet did not (or could not) reach a listener.
    public var isDeliveryFailure: Bool { isUnreachable || isRefused || isBlockedLocally }
}
