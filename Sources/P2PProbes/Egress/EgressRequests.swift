import P2PSocket
import STUNCodec

/// The requests `EgressProbe.probe` sends to one target, and what an answer to them means.
struct EgressRequests {
    let method: EgressMethod
    let clock: any MonotonicClock
    /// The transaction ID every send carries, except toward an egress server.
    let id = TransactionID.random()
    let request: [UInt8]
    /// The QUIC probe that goes with the 2nd-4th sends toward an egress server on 443.
    let alsoQUIC: [UInt8]?
    /// Requests sent.
    private(set) var sends = 0
    private var lastSend: UInt64
    /// Toward an egress server each send has its own transaction ID, so the answered one is known.
    private var sendIDs: [TransactionID] = []
    private var sendTimes: [UInt64] = []

    init(to address: TransportAddress, method: EgressMethod, clock: any MonotonicClock) {
        self.method = method
        self.clock = clock
        lastSend = clock.nowNanos()
        // On UDP 443 a QUIC server listens but drops anything that is not QUIC; a Version
        // Negotiation probe (RFC 9000 section 6) gets an answer from it, so the port can be proven.
        request = method == .icmpAware && address.port == 443
            ? QUICVersionNegotiation.makeProbe().bytes
            : STUNMessage(type: .bindingRequest, transactionID: id).encode()
        // Toward an expected egress server, 443 also gets the QUIC probe with the 2nd-4th sends
        // (the server answers STUN first, which names it; a plain QUIC server answers only this).
        alsoQUIC = method == .egressServer && address.port == 443 ? QUICVersionNegotiation.makeProbe().bytes : nil
    }

    /// Sends request `k` (counted from 0); an outcome when sending failed.
    mutating func send(_ k: Int, on socket: UDPSocket) -> EgressOutcome? {
        do {
            if method == .egressServer {
                let perSend = TransactionID.random()
                sendIDs.append(perSend)
                try socket.sendConnected(STUNMessage(type: .bindingRequest, transactionID: perSend).encode())
            } else {
                try socket.sendConnected(request)
            }
            if let alsoQUIC, (1...3).contains(k) { try socket.sendConnected(alsoQUIC) }
            lastSend = clock.nowNanos()
            sendTimes.append(lastSend)
            sends = k + 1
            return nil
        } catch let e as SocketError {
            return EgressProbe.sendFailure(e, socket: socket)
        } catch {
            return .error("\(error)")
        }
    }

    /// What a datagram from the target says.
    func outcome(of datagram: Datagram) -> EgressOutcome {
        let m = try? STUNMessage.decode(datagram.bytes)
        if method == .egressServer, let m, let k = sendIDs.firstIndex(of: m.transactionID),
           m.type.messageClass == .successResponse, let mapped = m.reflexiveAddress {
            let rtt = Double(clock.nowNanos() &- sendTimes[k]) / 1e6
            if let info = EgressMarker.parse(m.software) {
                return .egressAnswer(mapped: mapped, rttMs: rtt, server: info, answeredSend: k + 1)
            }
            return .stunAnswer(mapped: mapped, rttMs: rtt)
        }
        if let m, m.transactionID == id, m.type.messageClass == .successResponse, let mapped = m.reflexiveAddress {
            let rtt = Double(clock.nowNanos() &- lastSend) / 1e6
            // An egress server answers every port of its range, and its STUN ports, with its
            // marker: whichever port it is recognised on. One transaction ID for every send, so
            // which one was answered is unknown: counting them all keeps the loss estimate high.
            if let info = EgressMarker.parse(m.software) {
                return .egressAnswer(mapped: mapped, rttMs: rtt, server: info, answeredSend: max(1, sends))
            }
            return .stunAnswer(mapped: mapped, rttMs: rtt)
        }
        // A connected socket only receives from its peer: any reply proves the packet arrived.
        return .otherReply(bytes: datagram.bytes.count)
    }
}
