import STUNCodec

/// The pure packet -> reply function of the egress-mode server (`p2ptui serve --egress-ports`):
/// on every port of its range it answers a STUN Binding request (the client's "plain" probe) and a
/// QUIC long-header packet of an unknown version (Version Negotiation), so a client can prove
/// egress to that port by an answer, and tell QUIC filtering from a closed port.
public enum EgressResponder {
    public enum Answer: Sendable, Equatable {
        case stun([UInt8])
        case quic([UInt8])
    }

    /// The reply to `packet` from `source`, or nil (dropped). The STUN answer carries only the
    /// mapped address and the marker (no RESPONSE-ORIGIN: behind a redirect the server does not
    /// know which port the client addressed); CHANGE-REQUEST asking for a change gets error 420, as
    /// from any server with one address (RFC 5780 section 7.2).
    public static func reply(to packet: [UInt8], from source: TransportAddress, range: ClosedRange<UInt16>,
                             quicUnusedBits: UInt8 = 0) -> Answer? {
        guard let first = packet.first else { return nil }
        if first & 0x80 != 0 {
            return QUICVersionNegotiationResponder.reply(to: packet, unusedBits: quicUnusedBits).map(Answer.quic)
        }
        guard let request = try? STUNMessage.decode(packet), request.type == .bindingRequest, !request.isLegacy else { return nil }
        let change = request.changeRequest ?? (false, false)
        var unknown: [UInt16] = []
        for case .raw(let t, _) in request.attributes where AttributeType.isComprehensionRequired(t) { unknown.append(t) }
        if change.changeIP || change.changePort { unknown.append(AttributeType.changeRequest) }
        if !unknown.isEmpty {
            let error = STUNMessage(type: .bindingError, transactionID: request.transactionID,
                                    attributes: [.errorCode(code: 420, reason: "Unknown Attribute"), .unknownAttributes(unknown)])
            return .stun(error.encode())
        }
        let response = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID,
                                   attributes: [.xorMappedAddress(source), .software(EgressMarker.software(range: range))])
        return .stun(response.encode())
    }
}
