import Foundation
import P2PPunch
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
import Testing

/// Real sockets on 127.0.0.1 and 127.0.0.2 with the project's STUN server (the suite runs in a
/// namespace holding only `lo`). Time bounds here are hang guards only.
@Suite(.serialized) struct PunchLoopbackTests {
    static func server(port: UInt16) throws -> STUNServer {
        let s = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: port),
                               ratePerSecond: 0)
        Thread { s.run() }.start()
        return s
    }

    static func side(_ ip: IPAddress, stun: UInt16, role: CodeRole, measures: Bool = false) async throws -> (Gathered, ConnectionCode) {
        let g = try await Gatherer(servers: ["127.0.0.1:\(stun)"], bind: TransportAddress(ip, 0)).gather()
        let code = ConnectionCode.make(now: UInt32(Date().timeIntervalSince1970), role: role, hint: g.hint, candidates: g.candidates,
                                       measures: measures)
        return (g, code)
    }

    @Test func twoSidesProveADirectPathOverLoopback() async throws {
        let stun = try Self.server(port: 23911)
        defer { stun.stop() }
        // The client measures; the connector's code (as an older p2ptui's) does not offer it.
        let (ga, ca) = try await Self.side(.v4(127, 0, 0, 1), stun: 23911, role: .client, measures: true)
        let (gb, cb) = try await Self.side(.v4(127, 0, 0, 2), stun: 23911, role: .connector)
        defer { ga.socket.close(); gb.socket.close() }
        // The STUN server saw the socket's own address: no NAT, so host candidates only.
        #expect(ga.hint == .noNAT && ga.serverReflexive == nil && ga.host.count == 1)
        let config = PunchConfig(deadline: 10)
        async let ma = runChecks(on: ga.socket, credentials: CheckCredentials(local: ca, peer: cb), config: config)
        async let mb = runChecks(on: gb.socket, credentials: CheckCredentials(local: cb, peer: ca), config: config)
        let (a, b) = await (ma, mb)
        let ra = Diagnosis.result(machine: a, gathered: ga.stunEvidence, localHint: ga.hint)
        let rb = Diagnosis.result(machine: b, gathered: gb.stunEvidence, localHint: gb.hint)
        #expect(ra.direct && rb.direct)
        #expect(ra.remoteEndpoint == "\(cb.candidates[0].address)")
        #expect(ra.localEndpoint == "\(ca.candidates[0].address)")
        #expect(rb.remoteEndpoint == "\(ca.candidates[0].address)")
        // Nothing forged or malformed (a late duplicate STUN answer would count as stray).
        for r in [ra, rb] { #expect(r.ignored.badIntegrity + r.ignored.unknownUsername + r.ignored.malformed == 0) }
        // Hang guard (10x): both ended long before their 10 s deadline.
        #expect((ra.elapsedMs ?? 99_999) < 10_000)
        // The peer does not measure: the path is proven all the same, and nothing is measured.
        #expect(await measurePath(on: ga.socket, machine: a, seconds: 0.5) == nil)
    }

    @Test func twoMeasuringSidesMeasureTheProvenPathEveryWay() async throws {
        let stun = try Self.server(port: 23941)
        defer { stun.stop() }
        let (ga, ca) = try await Self.side(.v4(127, 0, 0, 1), stun: 23941, role: .client, measures: true)
        let (gb, cb) = try await Self.side(.v4(127, 0, 0, 2), stun: 23941, role: .connector, measures: true)
        defer { ga.socket.close(); gb.socket.close() }
        let config = PunchConfig(deadline: 10)
        async let ma = runChecks(on: ga.socket, credentials: CheckCredentials(local: ca, peer: cb), config: config)
        async let mb = runChecks(on: gb.socket, credentials: CheckCredentials(local: cb, peer: ca), config: config)
        let (a, b) = await (ma, mb)
        async let qa = measurePath(on: ga.socket, machine: a, seconds: 1.5)
        async let qb = measurePath(on: gb.socket, machine: b, seconds: 1.5)
        let (q1, q2) = await (qa, qb)
        for q in [q1, q2] {
            #expect(q?.datagramStatus == "fits-quic" && q?.outboundMaxBytes == 1472 && q?.inboundMaxBytes == 1472, "\(q?.line ?? "nil")")
            #expect(q?.outboundLossPercent == 0 && q?.inboundLossPercent == 0 && (q?.rttSamples ?? 0) >= 1, "\(q?.line ?? "nil")")
        }
        #expect(try ga.socket.isFragmentationForbidden())
        let r = Diagnosis.result(machine: a, gathered: [], localHint: ga.hint, quality: q1)
        #expect(r.direct && r.quality == q1 && r.code == .lanPath && r.section.quality == q1)
        #expect(await measurePath(on: ga.socket, machine: a, seconds: 0) == nil)
    }

    @Test func aPathOverIPv6IsProvenAndMeasuredWhereIPv4HasNoWay() async throws {
        // IPv4: a documentation address this namespace has no route to, and no STUN server; IPv6:
        // the loopback address, on a socket of its own per side.
        func side(_ role: CodeRole) async throws -> (Gathered, ConnectionCode) {
            let g = try await Gatherer(servers: [], bind: TransportAddress(.v4(127, 0, 0, 1), 0),
                                       hostAddresses: [.v4(192, 0, 2, 1)], hostAddresses6: [IPAddress("::1")!]).gather()
            return (g, ConnectionCode.make(now: UInt32(Date().timeIntervalSince1970), role: role, hint: g.hint,
                                           candidates: g.candidates, measures: true))
        }
        let (ga, ca) = try await side(.client)
        let (gb, cb) = try await side(.connector)
        defer { ga.close(); gb.close() }
        #expect(ga.socket6 != nil && ca.candidates.filter { !$0.address.ip.isIPv4 }.count == 1)
        let back = try ConnectionCode.decode(ca.text, now: UInt32(Date().timeIntervalSince1970))
        #expect(back.candidates == ca.candidates)
        let config = PunchConfig(deadline: 10)
        async let ma = runChecks(on: ga.socket, v6: ga.socket6, credentials: CheckCredentials(local: ca, peer: cb), config: config)
        async let mb = runChecks(on: gb.socket, v6: gb.socket6, credentials: CheckCredentials(local: cb, peer: ca), config: config)
        let (a, b) = await (ma, mb)
        async let qa = measurePath(on: ga.socket, v6: ga.socket6, machine: a, seconds: 1.5)
        async let qb = measurePath(on: gb.socket, v6: gb.socket6, machine: b, seconds: 1.5)
        let (q1, q2) = await (qa, qb)
        let ra = Diagnosis.result(machine: a, gathered: [], localHint: ga.hint, quality: q1)
        #expect(ra.direct && ra.code == .ipv6Path, "\(ra.reason)")
        #expect(ra.remoteEndpoint == "\(cb.candidates.first { !$0.address.ip.isIPv4 }!.address)")
        #expect(Diagnosis.result(machine: b, gathered: [], localHint: gb.hint, quality: q2).code == .ipv6Path)
        #expect(q1?.datagramStatus == "fits-quic" && q2?.inboundMaxBytes == 1472, "\(q1?.line ?? "nil") / \(q2?.line ?? "nil")")
    }

    @Test func aThirdPartySprayingThePortIsIgnoredAndCounted() async throws {
        let stun = try Self.server(port: 23921)
        defer { stun.stop() }
        let (ga, ca) = try await Self.side(.v4(127, 0, 0, 1), stun: 23921, role: .client)
        let (gb, cb) = try await Self.side(.v4(127, 0, 0, 2), stun: 23921, role: .connector)
        defer { ga.socket.close(); gb.socket.close() }
        let target = ca.candidates[0].address
        let spray = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 3), 0))
        defer { spray.close() }
        // Queued before the checks start, so every one is read and counted.
        let guessed = ConnectionCode(expiry: cb.expiry, role: cb.role, hint: cb.hint, fragment: cb.fragment,
                                     secret: [UInt8](repeating: 9, count: 12), candidates: cb.candidates)
        for _ in 0..<30 { try spray.send(CheckCredentials(local: guessed, peer: ca).request(id: .random(), nominate: true), to: target) }
        let stranger = ConnectionCode.make(now: 0, hint: .unknown, candidates: [Candidate(.host, try spray.localAddress())])
        for _ in 0..<20 { try spray.send(CheckCredentials(local: stranger, peer: ca).request(id: .random(), nominate: false), to: target) }
        for i in 0..<25 { try spray.send([UInt8](repeating: UInt8(i), count: i + 1), to: target) }
        for _ in 0..<5 { try spray.send(STUNMessage(type: .bindingSuccess, attributes: [.xorMappedAddress(target)]).encode(), to: target) }

        let config = PunchConfig(deadline: 10)
        async let ma = runChecks(on: ga.socket, credentials: CheckCredentials(local: ca, peer: cb), config: config)
        async let mb = runChecks(on: gb.socket, credentials: CheckCredentials(local: cb, peer: ca), config: config)
        let (a, b) = await (ma, mb)
        #expect(a.ignored.badIntegrity == 30)
        #expect(a.ignored.unknownUsername == 20)
        #expect(a.ignored.malformed == 25)
        // At least the five sprayed answers (a late duplicate STUN answer under load adds one).
        #expect(a.ignored.stray >= 5)
        // The spray taught nothing: the path is the real peer's, no pair toward 127.0.0.3.
        let ra = Diagnosis.result(machine: a, gathered: [], localHint: ga.hint)
        #expect(ra.direct && Diagnosis.result(machine: b, gathered: [], localHint: gb.hint).direct)
        #expect(ra.remoteEndpoint == "\(cb.candidates[0].address)")
        #expect(!a.pairs.contains { $0.remote.address.ip == .v4(127, 0, 0, 3) })
    }

    @Test func forgedChecksAloneProveNothing() async throws {
        let stun = try Self.server(port: 23931)
        defer { stun.stop() }
        let (ga, ca) = try await Self.side(.v4(127, 0, 0, 1), stun: 23931, role: .client)
        defer { ga.socket.close() }
        // The real peer never runs; somebody who saw only the peer's code forges its checks.
        let peerCode = ConnectionCode.make(now: UInt32(Date().timeIntervalSince1970), role: .connector, hint: .noNAT,
                                           candidates: [Candidate(.host, TransportAddress(.v4(127, 0, 0, 2), 9))])
        let forgerCode = ConnectionCode(expiry: peerCode.expiry, role: peerCode.role, hint: peerCode.hint,
                                        fragment: peerCode.fragment, secret: peerCode.secret, candidates: peerCode.candidates)
        let forger = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 4), 0))
        defer { forger.close() }
        // It knows the peer's code but not this side's secret: its key is wrong.
        let fakeLocal = ConnectionCode(expiry: ca.expiry, fragment: ca.fragment, secret: [UInt8](repeating: 1, count: 12), candidates: ca.candidates)
        for _ in 0..<10 {
            try forger.send(CheckCredentials(local: forgerCode, peer: fakeLocal).request(id: .random(), nominate: true), to: ca.candidates[0].address)
        }
        let a = await runChecks(on: ga.socket, credentials: CheckCredentials(local: ca, peer: peerCode), config: PunchConfig(deadline: 0.6))
        let r = Diagnosis.result(machine: a, gathered: [], localHint: ga.hint)
        #expect(!r.direct)
        #expect(a.ignored.badIntegrity == 10)
        #expect(r.checksReceived == 0 && !a.peerProven)
        #expect(r.code == .nothingArrived)
    }
}
