import Foundation
import P2PServer
import P2PSocket
import STUNCodec
import Synchronization

/// A STUN server on loopback that can misbehave on purpose, to prove the client neither trusts
/// nor is fooled by it. It wraps the real `Responder` and then bends its replies.
final class MisbehavingServer: Sendable {
    enum Behaviour: Sendable {
        /// The real server's answers.
        case honest
        /// Answers CHANGE-REQUEST from the socket the request came in on (many public servers do).
        case ignoresChangeRequest
        /// Drops each incoming request with this probability (seeded, so runs repeat).
        case lossy(Double, seed: UInt64)
        /// Before each real answer, sends one with a wrong transaction ID and one with the right ID
        /// from the wrong socket; after it, a duplicate.
        case strays
        /// Answers only requests without CHANGE-REQUEST (alternate sockets silent).
        case silentAlternate
        /// Advertises its own primary address as OTHER-ADDRESS and answers everything from the
        /// socket the request came in on (some public servers do).
        case otherIsSelf
    }

    let addresses: ServerAddresses
    let behaviour: Behaviour
    private let sockets: [(SocketSlot, UDPSocket)]
    private let stopFlag = Atomic<Bool>(false)
    private let rng: Mutex<UInt64>
    let received = Atomic<Int>(0)

    /// `port` (and the next one) must sit below Linux's ephemeral range (32768-60999): tests run
    /// in parallel in one process, and a client socket bound to port 0 elsewhere may hold any port
    /// of that range (a fixed 33526 once failed with EADDRINUSE under load).
    init(port: UInt16, behaviour: Behaviour) throws {
        let a = ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: port)
        addresses = a
        self.behaviour = behaviour
        sockets = try a.slots.map { ($0, try UDPSocket(family: .ipv4, bindTo: a.address(of: $0))) }
        if case .lossy(_, let seed) = behaviour { rng = Mutex(seed) } else { rng = Mutex(1) }
        let t = Thread { [self] in loop() }
        t.start()
    }

    var primary: TransportAddress { addresses.address(of: .primary) }

    func stop() { stopFlag.store(true, ordering: .relaxed) }

    private func random() -> Double {
        rng.withLock { s in
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    private func loop() {
        let socks = sockets.map(\.1)
        while !stopFlag.load(ordering: .relaxed) {
            guard let ready = try? pollReadable(socks, timeout: 0.05) else { continue }
            for i in ready {
                while let d = try? socks[i].receive(timeout: 0) {
                    received.add(1, ordering: .relaxed)
                    handle(d, slot: sockets[i].0, socket: socks[i])
                }
            }
        }
        for s in socks { s.close() }
    }

    private func socket(_ slot: SocketSlot) -> UDPSocket { sockets.first { $0.0 == slot }!.1 }

    private func handle(_ d: Datagram, slot: SocketSlot, socket: UDPSocket) {
        guard case .success(let reply) = Responder.respond(to: d.bytes, from: d.source, on: slot, addresses: addresses) else { return }
        let request = try? STUNMessage.decode(d.bytes)
        let asksChange = request?.changeRequest.map { $0.changeIP || $0.changePort } ?? false
        switch behaviour {
        case .honest:
            try? self.socket(reply.from).send(reply.bytes, to: reply.to)
        case .ignoresChangeRequest:
            try? socket.send(reply.bytes, to: reply.to)
        case .lossy(let p, _):
            if random() >= p { try? self.socket(reply.from).send(reply.bytes, to: reply.to) }
        case .silentAlternate:
            if !asksChange && !slot.alternateIP { try? self.socket(reply.from).send(reply.bytes, to: reply.to) }
        case .otherIsSelf:
            guard var m = try? STUNMessage.decode(reply.bytes) else { return }
            let me = primary
            m.attributes = m.attributes.compactMap { a -> STUNAttribute? in
                if case .otherAddress = a { return .otherAddress(me) }
                if case .fingerprint = a { return nil }
                return a
            }
            try? socket.send(m.encode(), to: reply.to)
        case .strays:
            guard var m = try? STUNMessage.decode(reply.bytes) else { return }
            let real = m.transactionID
            m.transactionID = TransactionID.random()
            m.attributes = [.xorMappedAddress(TransportAddress(.v4(203, 0, 113, 66), 1)), .otherAddress(TransportAddress(.v4(203, 0, 113, 67), 2))]
            try? self.socket(reply.from).send(m.encode(), to: reply.to)
            m.transactionID = real
            let wrong = SocketSlot.all.first { $0 != reply.from }!
            try? self.socket(wrong).send(m.encode(), to: reply.to)
            try? self.socket(reply.from).send(reply.bytes, to: reply.to)
            try? self.socket(reply.from).send(reply.bytes, to: reply.to)
        }
    }
}
