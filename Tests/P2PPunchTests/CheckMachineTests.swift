import P2PPunch
import P2PReport
import STUNCodec
import Testing

/// Two machines wired through a simulated network with an injected clock: no sockets, no time.
struct SimNet {
    var a: CheckMachine
    var b: CheckMachine
    /// Where A's and B's socket really are, as each NAT shows them to the other.
    var aSource: TransportAddress
    var bSource: TransportAddress
    /// A packet from `from` to `to` gets through (models each NAT's filtering).
    var allow: (_ from: TransportAddress, _ to: TransportAddress) -> Bool = { _, _ in true }
    var now: UInt64 = 1_000_000_000
    var delay: UInt64 = 5_000_000
    var inFlight: [(at: UInt64, to: Character, bytes: [UInt8], from: TransportAddress)] = []

    /// Routes A's packet: it reaches B when aimed at any address of B.
    mutating func deliver(_ out: [Outgoing], from side: Character, bAddresses: Set<TransportAddress>, aAddresses: Set<TransportAddress>) {
        for o in out {
            let src = side == "a" ? aSource : bSource
            let targets = side == "a" ? bAddresses : aAddresses
            guard targets.contains(o.to), allow(src, o.to) else { continue }
            inFlight.append((now + delay, side == "a" ? "b" : "a", o.bytes, src))
        }
    }

    mutating func run(until limit: UInt64, bAddresses: Set<TransportAddress>, aAddresses: Set<TransportAddress>) {
        while now < limit && !(a.isDone && b.isDone) {
            deliver(a.poll(now: now), from: "a", bAddresses: bAddresses, aAddresses: aAddresses)
            deliver(b.poll(now: now), from: "b", bAddresses: bAddresses, aAddresses: aAddresses)
            let due = inFlight.filter { $0.at <= now }
            inFlight.removeAll { $0.at <= now }
            for p in due {
                if p.to == "a" {
                    deliver(a.receive(p.bytes, from: p.from, now: now), from: "a", bAddresses: bAddresses, aAddresses: aAddresses)
                } else {
                    deliver(b.receive(p.bytes, from: p.from, now: now), from: "b", bAddresses: bAddresses, aAddresses: aAddresses)
                }
            }
            now += 1_000_000  // 1 ms steps
        }
    }
}

func ep(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ port: UInt16) -> TransportAddress {
    TransportAddress(.v4(a, b, c, d), port)
}

@Suite struct CheckMachineTests {
    static let aHost = ep(192, 168, 1, 2, 40000), aPublic = ep(198, 51, 100, 2, 40000)
    static let bHost = ep(192, 168, 2, 2, 50000), bPublic = ep(198, 51, 100, 130, 50000)

    static func codes(bHint: MappingHint = .independent) -> (ConnectionCode, ConnectionCode) {
        let a = ConnectionCode.make(now: 0, role: .client, hint: .independent,
                                    candidates: [Candidate(.host, aHost), Candidate(.serverReflexive, aPublic)])
        let b = ConnectionCode.make(now: 0, role: .connector, hint: bHint,
                                    candidates: [Candidate(.host, bHost), Candidate(.serverReflexive, bPublic)])
        return (a, b)
    }

    static func pair(_ a: ConnectionCode, _ b: ConnectionCode, start: UInt64 = 1_000_000_000, deadline: Double = 5) -> (CheckMachine, CheckMachine) {
        let cfg = PunchConfig(deadline: deadline)
        return (CheckMachine(credentials: CheckCredentials(local: a, peer: b), config: cfg, start: start),
                CheckMachine(credentials: CheckCredentials(local: b, peer: a), config: cfg, start: start))
    }

    @Test func bothSidesProveTheSameServerReflexivePath() {
        let (ca, cb) = Self.codes()
        let (a, b) = Self.pair(ca, cb)
        var net = SimNet(a: a, b: b, aSource: Self.aPublic, bSource: Self.bPublic)
        net.run(until: 10_000_000_000, bAddresses: [Self.bPublic], aAddresses: [Self.aPublic])
        #expect(net.a.isDone && net.b.isDone)
        let ra = Diagnosis.result(machine: net.a, gathered: [], localHint: .independent)
        let rb = Diagnosis.result(machine: net.b, gathered: [], localHint: .independent)
        #expect(ra.direct && rb.direct)
        #expect(ra.remoteEndpoint == "\(Self.bPublic)" && ra.localEndpoint == "\(Self.aPublic)")
        #expect(rb.remoteEndpoint == "\(Self.aPublic)" && rb.localEndpoint == "\(Self.bPublic)")
        #expect(ra.remoteKind == "srflx")
        // Simulated RTT: 5 ms each way.
        #expect(ra.rttMs == 10)
        #expect(ra.headline.hasPrefix("DIRECT path proven: local 198.51.100.2:40000 ↔ peer 198.51.100.130:50000, RTT 10.0 ms"))
        // Each side told the other, so neither waited out the linger.
        #expect(net.now < 1_000_000_000 + 1_000_000_000)
    }

    @Test func peerReflexiveLearningWhenTheNATPicksAnUnannouncedPort() {
        // B is behind a symmetric NAT: toward A it leaves from port 50001, not the 50000 STUN saw.
        // A's filtering is open (full cone), so B's checks arrive; A learns 50001 and answers there.
        let (ca, cb) = Self.codes(bHint: .varies)
        let (a, b) = Self.pair(ca, cb)
        let bReal = ep(198, 51, 100, 130, 50001)
        var net = SimNet(a: a, b: b, aSource: Self.aPublic, bSource: bReal)
        // B's NAT only lets in replies from where B sent (A's public endpoint) to B's real mapping.
        net.allow = { from, to in to != bReal || from == Self.aPublic }
        net.run(until: 10_000_000_000, bAddresses: [bReal], aAddresses: [Self.aPublic])
        let ra = Diagnosis.result(machine: net.a, gathered: [], localHint: .independent)
        let rb = Diagnosis.result(machine: net.b, gathered: [], localHint: .varies)
        #expect(ra.direct && rb.direct)
        #expect(ra.remoteEndpoint == "\(bReal)" && ra.remoteKind == "prflx")
        #expect(rb.localEndpoint == "\(bReal)")
        #expect(rb.code == .newMappingHere)
        #expect(rb.reason.hasPrefix("this side's NAT gave the path a port its code did not announce (198.51.100.130:50001"))
        #expect(ra.code == .peerReflexive)
    }

    @Test func noPathWhenSymmetricMeetsPortRestrictedAndTheReasonSaysSo() {
        let (ca, cb) = Self.codes(bHint: .varies)
        let (a, b) = Self.pair(ca, cb, deadline: 3)
        let bReal = ep(198, 51, 100, 130, 50001)
        var net = SimNet(a: a, b: b, aSource: Self.aPublic, bSource: bReal)
        // A's NAT: only packets from an address AND port A sent to (B's announced 50000).
        // B's NAT: only replies from A's public endpoint to 50001, never to 50000.
        net.allow = { from, to in
            if to == Self.aPublic { return from == Self.bPublic }
            return to == bReal && from == Self.aPublic
        }
        net.run(until: 10_000_000_000, bAddresses: [bReal], aAddresses: [Self.aPublic])
        #expect(net.a.isDone && net.b.isDone)
        let ra = Diagnosis.result(machine: net.a, gathered: [], localHint: .independent)
        #expect(!ra.direct)
        #expect(ra.code == .symmetricPeer)
        #expect(ra.reason.hasPrefix("symmetric NAT on the peer (the Connector)"))
        #expect(ra.headline == "no direct path in 3 s: traffic would go through a relay")
        // It ended at its deadline, not later.
        #expect(net.now <= 1_000_000_000 + 3_000_000_000 + 1_000_000)
        #expect(ra.pairsTried == 2)
    }

    @Test func aLateStarterStillMeetsWithinTheDeadline() {
        let (ca, cb) = Self.codes()
        var (a, _) = Self.pair(ca, cb, start: 1_000_000_000, deadline: 5)
        // B starts 3 s later; A keeps checking meanwhile (its early checks are lost).
        let b = CheckMachine(credentials: CheckCredentials(local: cb, peer: ca), config: PunchConfig(deadline: 5), start: 4_000_000_000)
        var net = SimNet(a: a, b: b, aSource: Self.aPublic, bSource: Self.bPublic)
        // Before B runs, its socket is not read: model by running A alone first.
        while net.now < 4_000_000_000 { _ = a.poll(now: net.now); net.now += 1_000_000 }
        net.a = a
        net.run(until: 12_000_000_000, bAddresses: [Self.bPublic], aAddresses: [Self.aPublic])
        #expect(Diagnosis.result(machine: net.a, gathered: [], localHint: .independent).direct)
        #expect(Diagnosis.result(machine: net.b, gathered: [], localHint: .independent).direct)
    }

    @Test func withoutThePeersWordItLingersThenStops() {
        let (ca, cb) = Self.codes()
        let (a, b) = Self.pair(ca, cb, deadline: 5)
        var net = SimNet(a: a, b: b, aSource: Self.aPublic, bSource: Self.bPublic)
        // Run until A has proven its side, then cut the network: B's "proven" never arrives.
        while net.a.provenAt == nil && net.now < 6_000_000_000 {
            net.run(until: net.now + 1_000_000, bAddresses: [Self.bPublic], aAddresses: [Self.aPublic])
        }
        let proven = try! #require(net.a.provenAt)
        var t = net.now
        var sent = 0
        while !net.a.isDone && t < 20_000_000_000 {
            sent += net.a.poll(now: t).count
            t += 1_000_000
        }
        // Lingered 1.5 s telling the peer (USE-CANDIDATE checks every 50 ms), then stopped.
        #expect(t - proven >= 1_500_000_000 && t - proven <= 1_502_000_000)
        #expect(sent >= 20 && sent <= 31)
        #expect(Diagnosis.result(machine: net.a, gathered: [], localHint: .independent).direct)
    }

    @Test func checksArePaced() {
        let (ca, cb) = Self.codes()
        var (a, _) = Self.pair(ca, cb, deadline: 2)
        var sends: [UInt64] = []
        var t: UInt64 = 1_000_000_000
        while !a.isDone {
            if !a.poll(now: t).isEmpty { sends.append(t) }
            t += 1_000_000
        }
        // Never two checks within Ta = 20 ms; each pair at most every 100 ms (fast phase).
        for (x, y) in zip(sends, sends.dropFirst()) { #expect(y - x >= 20_000_000) }
        #expect(sends.count <= 2 * 20 + 2)
        #expect(sends.count >= 2 * 15)
        #expect(a.pairs.allSatisfy { $0.checksSent > 0 })
    }

    @Test func forgedAndUnknownChecksAreIgnoredAndCounted() {
        let (ca, cb) = Self.codes()
        var (a, _) = Self.pair(ca, cb)
        let attacker = ep(203, 0, 113, 66, 1234)
        // Right USERNAME, wrong key (a guessed secret).
        let wrongPeer = ConnectionCode(expiry: cb.expiry, role: cb.role, hint: cb.hint, fragment: cb.fragment,
                                       secret: [UInt8](repeating: 7, count: 12), candidates: cb.candidates)
        let forged = CheckCredentials(local: wrongPeer, peer: ca).request(id: .random(), nominate: true)
        #expect(a.receive(forged, from: attacker, now: 1_000_000_000).isEmpty)
        // No integrity at all.
        let bare = STUNMessage(type: .bindingRequest, attributes: [.username(CheckCredentials(local: cb, peer: ca).outgoingUsername)]).encode()
        #expect(a.receive(bare, from: attacker, now: 1_000_000_000).isEmpty)
        // Somebody else's session.
        let other = ConnectionCode.make(now: 0, hint: .unknown, candidates: [Candidate(.host, attacker)])
        #expect(a.receive(CheckCredentials(local: other, peer: cb).request(id: .random(), nominate: false), from: attacker, now: 1_000_000_000).isEmpty)
        // Junk and an answer to nothing.
        #expect(a.receive([1, 2, 3], from: attacker, now: 1_000_000_000).isEmpty)
        let stray = STUNMessage(type: .bindingSuccess, attributes: [.xorMappedAddress(attacker)]).encode()
        #expect(a.receive(stray, from: attacker, now: 1_000_000_000).isEmpty)
        #expect(a.ignored.badIntegrity == 2 && a.ignored.unknownUsername == 1 && a.ignored.malformed == 1 && a.ignored.stray == 1)
        // Nothing was learned from them: no peer-reflexive pair, no "peer proven".
        #expect(a.pairs.count == 2 && !a.peerProven && a.firstFromPeer == nil)
    }

    @Test func aForgedAnswerDoesNotProveAPair() {
        let (ca, cb) = Self.codes()
        var (a, _) = Self.pair(ca, cb)
        let out = a.poll(now: 1_000_000_000)
        let check = try! STUNMessage.decode(out[0].bytes)
        // An on-path attacker answers with the right transaction ID but cannot key the answer.
        let fake = STUNMessage(type: .bindingSuccess, transactionID: check.transactionID, attributes: [.xorMappedAddress(Self.aPublic)])
            .encode(integrityKey: Array(repeating: 1, count: 32))
        _ = a.receive(fake, from: out[0].to, now: 1_001_000_000)
        #expect(a.ignored.badIntegrity == 1)
        #expect(a.pairs.allSatisfy { $0.answers == 0 })
    }
}
