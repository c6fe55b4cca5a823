import Crypto
import STUNCodec

/// USERNAME and MESSAGE-INTEGRITY for the connectivity checks (RFC 8445 section 7.2.2).
///
/// A check from A to B carries USERNAME "B-fragment:A-fragment" (the receiver's first). Its
/// MESSAGE-INTEGRITY key is derived from BOTH sides' secrets, so only someone holding both codes
/// (the two people who exchanged them) can make a check or an answer either side accepts.
public struct CheckCredentials: Sendable {
    public let local: ConnectionCode
    public let peer: ConnectionCode
    /// HMAC-SHA1 key for MESSAGE-INTEGRITY (RFC 8489 section 14.5), the same on both sides.
    public let key: [UInt8]

    /// USE-CANDIDATE (RFC 8445 section 16.1): here it says "I have proven a path", so the side that
    /// receives it may stop once it has proven its own.
    public static let useCandidate: UInt16 = 0x0025

    public init(local: ConnectionCode, peer: ConnectionCode) {
        self.local = local
        self.peer = peer
        let (a, b) = local.secret.lexicographicallyPrecedes(peer.secret) ? (local, peer) : (peer, local)
        let material = Array("p2ptui punch v1".utf8) + a.fragment + a.secret + b.fragment + b.secret
        key = Array(SHA256.hash(data: material))
    }

    /// USERNAME on checks this side sends.
    public var outgoingUsername: String { "\(peer.fragmentText):\(local.fragmentText)" }
    /// USERNAME on checks this side accepts.
    public var incomingUsername: String { "\(local.fragmentText):\(peer.fragmentText)" }

    public func request(id: TransactionID, nominate: Bool) -> [UInt8] {
        var attrs: [STUNAttribute] = [.username(outgoingUsername)]
        if nominate { attrs.append(.raw(type: Self.useCandidate, value: [])) }
        return STUNMessage(type: .bindingRequest, transactionID: id, attributes: attrs)
            .encode(integrityKey: key, fingerprint: true)
    }

    /// Success response to a check from `source` (RFC 8445 section 7.3.1.2: XOR-MAPPED-ADDRESS is
    /// the source the request came from).
    public func response(to id: TransactionID, source: TransportAddress) -> [UInt8] {
        STUNMessage(type: .bindingSuccess, transactionID: id, attributes: [.xorMappedAddress(source)])
            .encode(integrityKey: key, fingerprint: true)
    }

    /// True when MESSAGE-INTEGRITY is present and right.
    public func authentic(_ packet: [UInt8]) -> Bool {
        STUNIntegrity.verifyMessageIntegrity(packet, key: key) == true
    }
}
