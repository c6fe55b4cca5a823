import Foundation
import Glibc
import Testing
import P2PTestSupport
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
@testable import P2PProbes

/// Real packets on loopback, in the lo-only namespace `scripts/test` creates. The tests that add
/// nftables rules or a dummy interface change the namespace, so they run one at a time, only as
/// root, and only when `lo` is the sole interface (never on a real host's network).
enum Namespace {
    static let isolated: Bool = {
        let ifs = (try? interfaceAddresses()) ?? []
        // if_nameindex lists this network namespace's interfaces (sysfs may show the host's).
        var names: [String] = []
        if let list = if_nameindex() {
            var i = 0
            while list[i].if_index != 0, let n = list[i].if_name { names.append(String(cString: n)); i += 1 }
            if_freenameindex(list)
        }
        return getuid() == 0 && !ifs.isEmpty && ifs.allSatisfy(\.isLoopback) && names == ["lo"]
    }()
    static let hasNft = FirewallRules.locate("nft") != nil

    /// Undo step for `defer` (which cannot await): a few milliseconds of `nft`/`ip`, run inline.
    static func cleanup(_ command: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try? p.run()
        p.waitUntilExit()
    }

    /// Runs a shell command on a thread of its own (never blocking the cooperative pool).
    @discardableResult
    static func sh(_ command: String) async -> Int32 {
        await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
            Thread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/sh")
                p.arguments = ["-c", command]
                guard (try? p.run()) != nil else { return c.resume(returning: -1) }
                p.waitUntilExit()
                c.resume(returning: p.terminationStatus)
            }.start()
        }
    }
}

/// A loopback port nobody listens on.
func freePort(_ ip: IPAddress = .v4(127, 0, 0, 1)) throws -> UInt16 {
    let s = try UDPSocket(family: AddressFamily(of: ip), bindTo: TransportAddress(ip, 0))
    defer { s.close() }
    return try s.localAddress().port
}

func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let c = SystemClock()
    let t0 = c.nowNanos()
    let r = try await body()
    return (r, Double(c.nowNanos() - t0) / 1e9)
}

let noFirewall: @Sendable (Deadline) async -> FirewallEvidence = { _ in FirewallEvidence() }

@Suite struct EgressLoopbackTests {
    @Test func twoStunPortsAndAClosedPortAreReachedWithinMilliseconds() async throws {
        let a = try LoopbackSTUN(), b = try LoopbackSTUN()
        defer { a.stop(); b.stop() }
        let closed = try freePort()
        let targets = EgressPlan.build(stunServers: ["127.0.0.1:\(a.port)", "127.0.0.1:\(b.port)"], extraPorts: [closed])
        // On a clock fifty times slow the 1.2 s target window lasts a minute: only answers and
        // ICMP ending each target get the probe under the hang guard.
        let slow = SlowClock()
        let s = try await hangGuard {
            await EgressProbe(targets: targets, deadline: .after(seconds: 3, clock: slow), clock: slow, firewall: noFirewall).run()
        }
        #expect(s.status == .open)
        #expect(s.ports == [UDPPort(a.port): .reached, UDPPort(b.port): .reached, UDPPort(closed): .reached])
        #expect(s.evidence.contains { $0.contains("port \(closed)") && $0.contains("port unreachable") && $0.contains("reached the host") })
    }

    @Test func silentListenerIsBlockedForStunAndUnknownForIcmpAware() async throws {
        // A bound socket that never answers: no ICMP either.
        let sink = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        defer { sink.close() }
        let port = try sink.localAddress().port
        let targets = [EgressTarget(port: port, host: "127.0.0.1", method: .stun)]
        // Silence ends at the 1 s target window, not at the 60 s deadline (hang guard, 10x). On a
        // clock four times slow the window lasts 4 s, so a loaded machine's scheduling delays
        // cannot keep any of the 14 requests (the count that tells loss from a drop) from going out.
        let slow = SlowClock(rate: 0.25)
        let s = try await hangGuard(40) {
            await EgressProbe(targets: targets, deadline: .after(seconds: 60, clock: slow), clock: slow, firewall: noFirewall).run()
        }
        #expect(s.status == .blocked)
        #expect(s.failures[UDPPort(port)] == .silentDrop)
        let u = await EgressProbe(targets: [EgressTarget(port: port, host: "127.0.0.1", method: .icmpAware)],
                                  deadline: .after(seconds: 3), firewall: noFirewall).run()
        #expect(u.status == .unknown)
        #expect(u.ports[UDPPort(port)] == .unknown)
    }

    @Test func noRouteAndDnsFailureAreTellApart() async throws {
        // Documentation address (not 192.0.2.0/24: the socket TTL lab adds that one to this namespace):
        // the lo-only namespace has no route to it, so nothing is sent.
        let targets = [EgressTarget(port: 443, host: "203.0.113.1", method: .icmpAware),
                       EgressTarget(port: 3478, host: "name.invalid", method: .stun)]
        let s = await EgressProbe(targets: targets, deadline: .after(seconds: 3),
                                  resolver: { text in
                                      if text.hasPrefix("name.invalid") { throw ResolveError.dnsFailure(host: "name.invalid", reason: "test") }
                                      return try resolve(text, defaultPort: 3478)
                                  }, firewall: noFirewall).run()
        #expect(s.failures == [443: .noRoute, 3478: .dnsFailure])
        #expect(s.ports == [443: .blocked, 3478: .unknown])
        #expect(s.status == .blocked)
    }

    @Test func deadlineBoundsASlowResolver() async throws {
        // A 60 s lookup against a 0.3 s deadline: waiting for the lookup trips the hang guard.
        let s = try await hangGuard {
            await EgressProbe(targets: [EgressTarget(port: 3478, host: "slow.example", method: .stun)],
                              deadline: .after(seconds: 0.3),
                              resolver: { _ in Thread.sleep(forTimeInterval: 60); return [] }, firewall: noFirewall).run()
        }
        #expect(s.failures[3478] == .dnsFailure)
    }

    @Test func quicVersionNegotiationOnLoopbackIsOpen() async throws {
        let port = try freePort()
        let server = try QUICVersionNegotiationServer(bindTo: TransportAddress(.v4(127, 0, 0, 1), port))
        Thread { server.run() }.start()
        defer { server.stop() }
        // On a clock fifty times slow the 1.2 s window lasts a minute: only the reply ends the probe in time.
        let slow = SlowClock()
        let s = try await hangGuard {
            await QUICProbe(server: "127.0.0.1:\(port)", deadline: .after(seconds: 3, clock: slow), clock: slow).run()
        }
        #expect(s.status == .open)
        #expect(s.server == "127.0.0.1:\(port)")
        #expect(s.evidence.first?.contains("echoing both connection IDs") == true)
        #expect(server.stats.answered >= 1)
    }

    @Test func quicSilenceAndClosedPortAreNotProven() async throws {
        let sink = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        defer { sink.close() }
        let port = try sink.localAddress().port
        // Waits out the 1.2 s window, not the 60 s deadline (hang guard).
        let (s, t) = try await hangGuard {
            await elapsed { await QUICProbe(server: "127.0.0.1:\(port)", deadline: .after(seconds: 60)).run() }
        }
        #expect(s.status == .notProven)
        #expect(s.evidence.first?.contains("not proof of blocking") == true)
        #expect(t > 1.0, "waits out the 1.2 s window (took \(t) s)")
        let closed = try freePort()
        let c = await QUICProbe(server: "127.0.0.1:\(closed)", deadline: .after(seconds: 3)).run()
        #expect(c.status == .notProven)
        #expect(c.evidence.first?.contains("no QUIC server there") == true)
    }

    @Test func quicIgnoresAReplyThatDoesNotEchoOurIDs() async throws {
        // A responder that answers with VN but its own connection IDs.
        let liar = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        defer { liar.close() }
        let port = try liar.localAddress().port
        Thread {
            while let d = try? liar.receive(timeout: 30) {  // ends when the test closes the socket
                try? liar.send([0x80, 0, 0, 0, 0, 1, 7, 1, 7, 0, 0, 0, 1], to: d.source)
            }
        }.start()
        // The probe waits out its window (the reply is ignored); on a clock five times slow that
        // is 6 s, so a starved runner still gets the liar's reply in.
        let slow = SlowClock(rate: 0.2)
        let s = try await hangGuard(60) {
            await QUICProbe(server: "127.0.0.1:\(port)", deadline: .after(seconds: 3, clock: slow), clock: slow).run()
        }
        #expect(s.status == .notProven)
        #expect(s.evidence.contains { $0.contains("does not echo") })
    }

    @Test func ipv6WithoutGlobalAddressAnswersAtOnce() async throws {
        // On a clock fifty times slow any window lasts a minute: answering without one beats the hang guard.
        let slow = SlowClock()
        let s = try await hangGuard {
            await IPv6Probe(servers: ["[2001:db8::1]:3478"], deadline: .after(seconds: 3, clock: slow), clock: slow,
                            interfaces: { [InterfaceAddress(name: "lo", address: IPAddress("::1")!, prefixLength: 128, isUp: true, isLoopback: true)] }).run()
        }
        #expect(s.status == .noGlobalAddress)
    }
}

/// Tests that change the namespace (nftables rules, a dummy interface): serialized, root only,
/// lo-only namespace only, undone in every path.
@Suite(.serialized, .enabled(if: Namespace.isolated, "needs root in a namespace holding only lo (scripts/test)"))
struct EgressNamespaceTests {
    @Test(.enabled(if: Namespace.hasNft, "needs nft"))
    func localFirewallDropAndRemoteRejectArePartial() async throws {
        let stun = try LoopbackSTUN()
        defer { stun.stop() }
        let dropped = try freePort(), prohibited = try freePort(), closed = try freePort()
        await Namespace.sh("nft delete table inet p2ptest_egress 2>/dev/null")
        #expect(await Namespace.sh("""
            nft add table inet p2ptest_egress && \
            nft add chain inet p2ptest_egress out '{ type filter hook output priority 0; }' && \
            nft add rule inet p2ptest_egress out udp dport \(dropped) drop && \
            nft add chain inet p2ptest_egress in '{ type filter hook input priority 0; }' && \
            nft add rule inet p2ptest_egress in udp dport \(prohibited) reject with icmp type admin-prohibited
            """) == 0)
        defer { Namespace.cleanup("nft delete table inet p2ptest_egress") }
        let targets = EgressPlan.build(stunServers: ["127.0.0.1:\(stun.port)"], extraPorts: [dropped, prohibited, closed])
        // Every target ends on an answer, ICMP or a local refusal: on a clock fifty times slow,
        // waiting out a window instead trips the hang guard.
        let slow = SlowClock()
        let s = try await hangGuard { await EgressProbe(targets: targets, deadline: .after(seconds: 3, clock: slow), clock: slow).run() }
        #expect(s.status == .partial)
        #expect(s.ports[UDPPort(stun.port)] == .reached)
        #expect(s.ports[UDPPort(closed)] == .reached)
        #expect(s.ports[UDPPort(dropped)] == .blocked)
        #expect(s.failures[UDPPort(dropped)] == .blockedLocally)
        #expect(s.failures[UDPPort(prohibited)] == .icmpProhibited)
        #expect(s.firewallRules.contains { $0.contains("udp dport \(dropped) drop") }, "the real ruleset is quoted: \(s.firewallRules)")
        #expect(!s.firewallRules.contains { $0.contains("\(prohibited)") }, "input rules are not outbound")
    }

    @Test func ipv6StunOverAGlobalDocumentationAddressWorks() async throws {
        // A veth pair (the dummy module may be missing), both ends here so the link has carrier.
        let dev = "p2pt6a"
        await Namespace.sh("ip link del \(dev) 2>/dev/null")
        try #require(await Namespace.sh("ip link add \(dev) type veth peer name p2pt6b && ip link set \(dev) up && ip link set p2pt6b up && ip addr add 2001:db8::2/64 dev \(dev) nodad") == 0)
        defer { Namespace.cleanup("ip link del \(dev)") }
        let me = IPAddress("2001:db8::2")!
        let port = try freePort(me)
        let server = try STUNServer(addresses: ServerAddresses(primary: me, alternate: nil, port: port))
        Thread { server.run() }.start()
        defer { server.stop() }
        let slow = SlowClock()
        let s = try await hangGuard {
            await IPv6Probe(servers: ["[2001:db8::2]:\(port)"], deadline: .after(seconds: 3, clock: slow), clock: slow).run()
        }
        #expect(s.status == .works)
        #expect(s.globalAddress == "2001:db8::2")
        #expect(s.publicEndpoint?.hasPrefix("[2001:db8::2]:") == true)
        #expect(s.evidence.contains { $0.contains("avoids NAT entirely") })

        // Same address, nobody listening on that port: blocked, within the first-contact window
        // (not at the 60 s deadline: hang guard).
        let closed = try freePort(me)
        let b = try await hangGuard { await IPv6Probe(servers: ["[2001:db8::2]:\(closed)"], deadline: .after(seconds: 60)).run() }
        #expect(b.status == .blocked)
    }

    @Test func ipv6InTheLoOnlyNamespaceHasNoGlobalAddress() async {
        let s = await IPv6Probe(servers: ["[2001:db8::1]:3478"], deadline: .after(seconds: 3)).run()
        #expect(s.status == .noGlobalAddress)
    }
}
