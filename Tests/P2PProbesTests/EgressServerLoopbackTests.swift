import Foundation
import Testing
import P2PTestSupport
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
@testable import P2PProbes

/// The egress-mode server (`p2ptui serve --egress-ports`) and the probes that use it, with real
/// packets on loopback. Its own address (127.0.0.4/.5) and a range below the ephemeral ports keep it
/// apart from every other test's sockets.
@Suite struct EgressServerLoopbackTests {
    static let ip = IPAddress.v4(127, 0, 0, 4)

    static func serve(_ range: ClosedRange<UInt16>, ip: IPAddress = ip, mode: EgressServerMode = .sockets) throws -> EgressServer {
        let s = try EgressServer(primary: ip, range: range, mode: mode)
        Thread { s.run() }.start()
        return s
    }

    @Test func socketsModeAnswersEveryPortOfTheRangeAndTheSampleFollowsTheFirstAnswer() async throws {
        let server = try Self.serve(21000...21063)
        defer { server.stop() }
        #expect(server.socketCount == 64)
        let sample = EgressPlan.samplePorts(count: 16, range: 21001...21063, seed: 1)
        let targets = EgressPlan.egressServerTargets(host: "127.0.0.4", fixedPorts: [21000], sample: sample)
        // Every port answers at once: on a clock fifty times slow a starved runner still gets the
        // answers in, and waiting out the 1 s window (then 50 s) trips the hang guard.
        let slow = SlowClock()
        let s = try await hangGuard {
            await EgressProbe(targets: targets, deadline: .after(seconds: 20, clock: slow), clock: slow, firewall: noFirewall).run()
        }
        #expect(s.status == .open, "\(s.evidence)")
        #expect(s.ports.count == 17 && s.ports.values.allSatisfy { $0 == .reached })
        #expect(s.evidence.contains { $0.hasPrefix("random sample of 16 ports: answered 16") })
        #expect(s.evidence.contains { $0.contains("port 21000") && $0.contains("the egress server answered") })
        #expect(server.stats.stunAnswered >= 17)
    }

    @Test func sampleIsNotProbedWhenTheHostIsNotAnEgressServer() async throws {
        let plain = try LoopbackSTUN(address: TransportAddress(.v4(127, 0, 0, 5), 0))
        defer { plain.stop() }
        let port = plain.address.port
        let targets = EgressPlan.egressServerTargets(host: "127.0.0.5", fixedPorts: [port], sample: [21500, 21501])
        let slow = SlowClock()  // the answer ends it, however starved the runner (hang guard)
        let s = try await hangGuard {
            await EgressProbe(targets: targets, deadline: .after(seconds: 20, clock: slow), clock: slow, firewall: noFirewall).run()
        }
        #expect(s.ports == [UDPPort(port): .reached], "a plain STUN answer still proves its port")
        #expect(s.evidence.contains { $0.hasPrefix("random sample not probed") })
    }

    @Test func quicAnsweredByTheEgressServerIsOpen() async throws {
        let server = try Self.serve(21100...21101)
        defer { server.stop() }
        let slow = SlowClock()  // the reply ends it, however starved the runner (hang guard)
        let s = try await hangGuard { await QUICProbe(server: "127.0.0.4:21101", deadline: .after(seconds: 20, clock: slow), clock: slow).run() }
        #expect(s.status == .open, "\(s.evidence)")
        #expect(server.stats.quicAnswered >= 1)
    }

    /// Answers STUN like an egress server (marker) but never QUIC: what a QUIC filter in front of
    /// a real one looks like from the client.
    @Test func plainAnsweredAndQUICSilentIsFilteredOnlyForAnEgressServer() async throws {
        for marker in [true, false] {
            let sock = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 5), 0))
            defer { sock.close() }
            let port = try sock.localAddress().port
            Thread {
                // Serves until the socket is closed (receive then throws), however long the
                // probe takes to start on a busy machine; silence alone never ends it.
                while true {
                    let next: Datagram?
                    do { next = try sock.receive(timeout: 1) } catch { return }
                    guard let d = next, let m = try? STUNMessage.decode(d.bytes) else { continue }
                    var attrs: [STUNAttribute] = [.xorMappedAddress(d.source)]
                    if marker { attrs.append(.software(EgressMarker.software(range: 1...65535))) }
                    try? sock.send(STUNMessage(type: .bindingSuccess, transactionID: m.transactionID, attributes: attrs).encode(), to: d.source)
                }
            }.start()
            let s = await QUICProbe(server: "127.0.0.5:\(port)", deadline: .after(seconds: 20)).run()
            #expect(s.plainAnswered == true)
            if marker {
                #expect(s.status == .filtered, "\(s.evidence)")
                #expect(s.evidence.first?.hasPrefix("QUIC filtered: the egress server at 127.0.0.5:\(port) answered 12 of 12 plain") == true, "\(s.evidence)")
            } else {
                #expect(s.status == .notProven)
                #expect(s.evidence.contains { $0.contains("not an egress server") })
            }
        }
    }

    @Test func responderAnswersStunWithTheMarkerAndQUICWithVersionNegotiation() throws {
        let src = TransportAddress(.v4(198, 51, 100, 2), 40000)
        let req = STUNMessage(type: .bindingRequest)
        guard case .stun(let b)? = EgressResponder.reply(to: req.encode(), from: src, range: 1024...65535) else {
            Issue.record("no STUN answer"); return
        }
        let m = try STUNMessage.decode(b)
        #expect(m.transactionID == req.transactionID && m.xorMappedAddress == src)
        #expect(EgressMarker.parse(m.software) == EgressMarker.Info(range: 1024...65535, quic: true))
        let probe = QUICVersionNegotiation.makeProbe()
        guard case .quic(let v)? = EgressResponder.reply(to: probe.bytes, from: src, range: 1...2) else {
            Issue.record("no VN"); return
        }
        guard case .success(let vn) = QUICVersionNegotiation.parseReply(v) else { Issue.record("bad VN"); return }
        #expect(QUICVersionNegotiation.mismatch(vn, for: probe) == nil)
        #expect(EgressResponder.reply(to: [0x00, 0x01, 0x02], from: src, range: 1...2) == nil)
        #expect(EgressResponder.reply(to: Array(probe.bytes.prefix(100)), from: src, range: 1...2) == nil, "short QUIC: no VN (RFC 9000 section 14.1)")
        let change = STUNMessage(type: .bindingRequest, attributes: [.changeRequest(changeIP: true, changePort: false)])
        guard case .stun(let e)? = EgressResponder.reply(to: change.encode(), from: src, range: 1...2) else { Issue.record("no 420"); return }
        #expect(try STUNMessage.decode(e).errorCode?.code == 420)
    }
}

extension EgressNamespaceTests {
    /// nftables mode on loopback (the output hook redirects this host's own probes), with silent
    /// drops on the way in, matched on the port the client addressed (conntrack's original tuple,
    /// since the DNAT has rewritten it by then): two ports, and QUIC-shaped packets (long-header
    /// bit, the first payload bit) on one port. A drop on output would be EPERM to the sender.
    @Test(.enabled(if: Namespace.hasNft, "needs nft"))
    func nftablesModeWithDropsIsPartialNamingThePortsAndQUICFiltered() async throws {
        await Namespace.sh("nft delete table inet p2ptest_egress_srv 2>/dev/null")
        #expect(await Namespace.sh("""
            nft add table inet p2ptest_egress_srv && \
            nft add chain inet p2ptest_egress_srv in '{ type filter hook input priority 0; }' && \
            nft add rule inet p2ptest_egress_srv in ip daddr 127.0.0.3 meta l4proto udp ct original proto-dst 20007 drop && \
            nft add rule inet p2ptest_egress_srv in ip daddr 127.0.0.3 meta l4proto udp ct original proto-dst 20150 drop && \
            nft add rule inet p2ptest_egress_srv in ip daddr 127.0.0.3 meta l4proto udp ct original proto-dst 20100 @th,64,1 1 drop
            """) == 0)
        defer { Namespace.cleanup("nft delete table inet p2ptest_egress_srv") }
        let server = try EgressServer(primary: .v4(127, 0, 0, 3), range: 20000...20199, mode: .nftables,
                                      nftPath: FirewallRules.locate("nft") ?? "nft")
        Thread { server.run() }.start()
        defer { server.stop(); server.removeTable() }
        let targets = EgressPlan.egressServerTargets(host: "127.0.0.3", fixedPorts: [20001, 20007, 20100],
                                                     sample: EgressPlan.samplePorts(count: 8, range: 20000...20199, seed: 5) + [20150])
        async let quic = QUICProbe(server: "127.0.0.3:20100", deadline: .after(seconds: 20)).run()
        let s = await EgressProbe(targets: targets, deadline: .after(seconds: 20), firewall: noFirewall).run()
        #expect(s.status == .partial, "\(s.evidence)")
        #expect(s.ports.filter { $0.value == .blocked }.keys.sorted() == [20007, 20150])
        #expect(s.evidence.first?.contains("blocked: 20007 (silent-drop), 20150 (silent-drop)") == true, "\(s.evidence)")
        let q = await quic
        #expect(q.status == .filtered, "\(q.evidence)")
        #expect(server.stats.quicAnswered == 0 && server.stats.stunAnswered >= 8)
    }
}
