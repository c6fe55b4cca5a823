import STUNCodec

/// Which of the server's four sockets (RFC 5780 section 4.2: primary/alternate address x
/// primary/alternate port) a packet arrived on or leaves from.
public struct SocketSlot: Hashable, Sendable, CustomStringConvertible {
    public var alternateIP: Bool
    public var alternatePort: Bool

    public init(alternateIP: Bool, alternatePort: Bool) {
        self.alternateIP = alternateIP
        self.alternatePort = alternatePort
    }

    public static let primary = SocketSlot(alternateIP: false, alternatePort: false)
    public static let all: [SocketSlot] = [
        .primary, SocketSlot(alternateIP: false, alternatePort: true),
        SocketSlot(alternateIP: true, alternatePort: false), SocketSlot(alternateIP: true, alternatePort: true),
    ]

    public var description: String { "\(alternateIP ? "alternate" : "primary") IP, \(alternatePort ? "alternate" : "primary") port" }
}

/// Where the server listens.
public struct ServerAddresses: Sendable, Equatable {
    public var primary: IPAddress
    /// nil: a plain binding server that cannot do behaviour tests (no OTHER-ADDRESS, no CHANGE-REQUEST).
    public var alternate: IPAddress?
    public var port: UInt16
    public var alternatePort: UInt16

    public init(primary: IPAddress, alternate: IPAddress?, port: UInt16 = 3478, alternatePort: UInt16? = nil) {
        self.primary = primary
        self.alternate = alternate
        self.port = port
        self.alternatePort = alternatePort ?? (port &+ 1)
    }

    /// The slots this configuration listens on: four with an alternate address, one without.
    public var slots: [SocketSlot] { alternate == nil ? [.primary] : SocketSlot.all }

    public func address(of slot: SocketSlot) -> TransportAddress {
        TransportAddress(slot.alternateIP ? (alternate ?? primary) : primary, slot.alternatePort ? alternatePort : port)
    }

    /// OTHER-ADDRESS: alternate IP and alternate port (RFC 5780 section 7.4).
    public var otherAddress: TransportAddress? {
        alternate.map { TransportAddress($0, alternatePort) }
    }
}

/// What to send back for one request.
public struct Reply: Sendable, Equatable {
    /// Which socket sends it (CHANGE-REQUEST picks it).
    public var from: SocketSlot
    /// Destination: the request's source, or its IP with RESPONSE-PORT's port.
    public var to: TransportAddress
    public var bytes: [UInt8]
    /// An error response (420), counted apart.
    public var isError: Bool = false
    /// Padded to the request's size on the client's request (`PaddedResponseMarker`), counted apart.
    public var isPadded: Bool = false
}

/// Why a packet got no reply (each is counted by the server).
public enum DropReason: String, Error, Sendable, CaseIterable {
    /// Not a STUN message at all, or malformed.
    case malformed
    /// STUN, but not a Binding request (responses, indications, other methods).
    case notBindingRequest = "not-binding-request"
    /// Source over its rate limit.
    case rateLimited = "rate-limited"
}

/// The pure request -> reply function of the RFC 5780 server (no sockets, so it is tested alone).
public enum Responder {
    /// Answers `packet` that arrived from `source` on `slot`.
    ///
    /// Replies carry only what the client needs (no PADDING echo), so the server amplifies as
    /// little as possible. `software`: a SOFTWARE value for success responses, set only in egress
    /// mode (the egress marker), so a client recognises the egress server on these ports too. The
    /// one size exception is asked for by `PaddedResponseMarker`: the response is padded to exactly
    /// the request's size (never more), to test how large a datagram reaches the client.
    public static func respond(to packet: [UInt8], from source: TransportAddress, on slot: SocketSlot,
                               addresses: ServerAddresses, software: String? = nil) -> Result<Reply, DropReason> {
        guard let request = try? STUNMessage.decode(packet) else { return .failure(.malformed) }
        guard request.type == .bindingRequest else { return .failure(.notBindingRequest) }
        let hasFingerprint = request.attributes.contains { if case .fingerprint = $0 { return true } else { return false } }
        if let fp = STUNIntegrity.verifyFingerprint(packet), !fp { return .failure(.malformed) }

        // RFC 8489 section 6.3.1: unknown comprehension-required attributes -> 420.
        var unknown: [UInt16] = []
        for case .raw(let t, _) in request.attributes where AttributeType.isComprehensionRequired(t) {
            unknown.append(t)
        }
        // RFC 5780 section 7.2: a server without an alternate address rejects CHANGE-REQUEST that asks
        // for a change, so the client learns it cannot do behaviour tests (instead of a misleading answer).
        let change = request.changeRequest ?? (false, false)
        if addresses.alternate == nil && (change.changeIP || change.changePort) {
            unknown.append(AttributeType.changeRequest)
        }
        if !unknown.isEmpty {
            let error = STUNMessage(type: .bindingError, transactionID: request.transactionID, cookie: request.cookie,
                                    attributes: [.errorCode(code: 420, reason: "Unknown Attribute"),
                                                 .unknownAttributes(unknown)])
            return .success(Reply(from: slot, to: source, bytes: error.encode(fingerprint: hasFingerprint), isError: true))
        }

        let out = SocketSlot(alternateIP: slot.alternateIP != change.changeIP,
                             alternatePort: slot.alternatePort != change.changePort)
        let origin = addresses.address(of: out)
        var attributes: [STUNAttribute]
        if request.isLegacy {
            // RFC 3489 section 11.2: MAPPED-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS.
            attributes = [.mappedAddress(source), .sourceAddress(origin)]
            if let other = addresses.otherAddress { attributes.append(.changedAddress(other)) }
        } else {
            attributes = [.xorMappedAddress(source), .mappedAddress(source), .responseOrigin(origin)]
            if let other = addresses.otherAddress { attributes.append(.otherAddress(other)) }
        }
        if let software { attributes.append(.software(software)) }
        var to = source
        if let port = request.responsePort { to.port = port }
        let response = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID, cookie: request.cookie,
                                   attributes: attributes)
        if PaddedResponseMarker.isRequested(by: request),
           let padded = response.padded(toSize: packet.count, fingerprint: hasFingerprint) {
            return .success(Reply(from: out, to: to, bytes: padded.encode(fingerprint: hasFingerprint), isPadded: true))
        }
        return .success(Reply(from: out, to: to, bytes: response.encode(fingerprint: hasFingerprint)))
    }
}
