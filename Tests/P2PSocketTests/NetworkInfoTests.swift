import Glibc
import P2PSocket
import P2PTestSupport
import STUNCodec
import Testing

@Suite("Routes, interfaces, resolution, errors")
struct NetworkInfoTests {
    @Test func routeSourceTowardLoopback() throws {
        let src = try routeSourceAddress(toward: TransportAddress(.v4(127, 0, 0, 2), 9))
        // Linux picks the destination itself on lo for 127/8, or 127.0.0.1.
        #expect(src == .v4(127, 0, 0, 2) || src == loopback4, "source \(src)")
        #expect(src != .v4(0, 0, 0, 0))
    }

    @Test func routeSourceWithoutRouteIsUnreachable() {
        // Only lo exists in the test namespace: a documentation address has no route.
        let error = #expect(throws: SocketError.self) {
            _ = try routeSourceAddress(toward: TransportAddress(.v4(203, 0, 113, 1), 3478))
        }
        #expect(error?.call == "connect")
        #expect(error?.isUnreachable == true)
    }

    @Test func interfacesIncludeLoopback() throws {
        let all = try interfaceAddresses()
        let lo = try #require(all.first { $0.address == loopback4 })
        #expect(lo.name == "lo")
        #expect(lo.prefixLength == 8)
        #expect(lo.isUp)
        #expect(lo.isLoopback)
        if ipv6Available {
            let lo6 = try #require(all.first { $0.address == loopback6 })
            #expect(lo6.prefixLength == 128)
        }
    }

    @Test func parsesProcNetRoute() {
        let sample = """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
        eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
        wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
        down0\t00000000\t0102A8C0\t0002\t0\t0\t600\t00000000\t0\t0\t0
        eth1\t0000A8C0\t0101A8C0\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0
        garbage line
        """
        #expect(parseProcNetRoute(sample) == [
            RouteEntry(interface: "eth0", gateway: .v4(10, 0, 0, 1)),
            RouteEntry(interface: "wlan0", gateway: .v4(192, 168, 1, 1)),
        ])
        #expect(parseProcNetRoute("") == [])
    }

    @Test func defaultGatewaysReader() throws {
        // In the test namespace there is no default route; a missing file is simply empty.
        #expect(defaultGateways(procNetRoute: "/nonexistent/route") == [])
        let path = "/tmp/p2psocket-route-\(getpid())"
        let text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
            + "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        let f = try #require(fopen(path, "w"))
        fputs(text, f)
        fclose(f)
        defer { unlink(path) }
        #expect(defaultGateways(procNetRoute: path) == [RouteEntry(interface: "eth0", gateway: .v4(10, 0, 0, 1))])
    }

    @Test func resolvesLiterals() throws {
        #expect(try resolve("127.0.0.1:3478", defaultPort: 1) == [TransportAddress(loopback4, 3478)])
        #expect(try resolve("[::1]:5", defaultPort: 1) == [TransportAddress(loopback6, 5)])
        #expect(try resolve("[::1]", defaultPort: 7) == [TransportAddress(loopback6, 7)])
        #expect(try resolve("::1", defaultPort: 7) == [TransportAddress(loopback6, 7)])
        #expect(try resolve("10.1.2.3", defaultPort: 3478) == [TransportAddress(.v4(10, 1, 2, 3), 3478)])
    }

    @Test func resolvesLocalhost() throws {
        let all = try resolve("localhost", defaultPort: 3478)
        #expect(all.contains(TransportAddress(loopback4, 3478)))
        #expect(all.allSatisfy { $0.port == 3478 })
        let v4 = try resolve("localhost:9", defaultPort: 3478, family: .ipv4)
        #expect(v4 == [TransportAddress(loopback4, 9)])
    }

    @Test(arguments: ["", "host:", "host:0", "host:99999", "host:abc", "[::1", "[::1]x", "[127.0.0.1]:5",
                      "1::2::3", "a b", "host:1:2:x"])
    func rejectsBadSyntax(_ text: String) {
        #expect(throws: ResolveError.badSyntax(text)) { _ = try resolve(text, defaultPort: 3478) }
    }

    @Test func dnsFailureIsDistinctAndFast() async throws {
        let (result, elapsed) = try await offPool {
            measure { () -> Result<[TransportAddress], ResolveError> in
                Result { () throws(ResolveError) in
                    do { return try resolve("nonexistent.invalid", defaultPort: 3478) } catch let e as ResolveError {
                        throw e
                    } catch { throw ResolveError.badSyntax("unexpected \(error)") }
                }
            }
        }
        guard case let .failure(error) = result, case let .dnsFailure(host, reason) = error else {
            Issue.record("expected dnsFailure, got \(result)")
            return
        }
        #expect(host == "nonexistent.invalid")
        #expect(!reason.isEmpty)
        // Hang guard: in the lo-only namespace the failure is immediate; waiting on a resolver
        // timeout (glibc: 5 s per try) would exceed it.
        #expect(elapsed < 4.5, "took \(elapsed) s")
    }

    @Test func familyFilterOnLiteral() {
        #expect(throws: ResolveError.self) { _ = try resolve("127.0.0.1", defaultPort: 1, family: .ipv6) }
    }

    @Test func socketErrorDescriptionNamesTheCall() {
        let e = SocketError(call: "sendto", code: ENETUNREACH)
        #expect(e.description == "sendto: Network is unreachable (errno 101)")
        #expect(e.isUnreachable && !e.isRefused)
        #expect(SocketError(call: "x", code: EPERM).isBlockedLocally)
        #expect(SocketError(call: "x", code: ECONNREFUSED).isRefused)
    }

    @Test func sysRetryingThrowsWithTheCallName() {
        #expect(throws: SocketError(call: "close", code: EBADF)) { _ = try Sys.retrying("close") { Glibc.close(-1) } }
        var calls = 0
        let r = try? Sys.retrying("fake") { () -> Int32 in
            calls += 1
            if calls < 3 { errno = EINTR; return -1 }
            return 7
        }
        #expect(r == 7)
        #expect(calls == 3)
    }

    @Test func deadlineOrderingAndClamping() {
        let clock = ManualClock()
        let a = Deadline.after(seconds: 1, clock: clock)
        let b = Deadline.after(seconds: 2, clock: clock)
        #expect(a < b)
        #expect(Deadline.after(seconds: -5, clock: clock).remainingSeconds(clock: clock) == 0)
        clock.advance(seconds: 1.5)
        #expect(a.remainingSeconds(clock: clock) == 0)
        #expect(abs(b.remainingSeconds(clock: clock) - 0.5) < 1e-6)
    }
}
