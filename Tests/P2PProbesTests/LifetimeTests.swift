import Foundation
import P2PProbes
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
import Synchronization
import Testing

/// The mapping-lifetime search on a fake clock and a fake NAT (instant), and its sockets on loopback.
@Suite struct LifetimeTests {
    /// A clock that only moves when the search sleeps (or a test step takes `testCost`).
    final class FakeClock: MonotonicClock, @unchecked Sendable {
        let now = Mutex<UInt64>(1_000_000_000)
        func nowNanos() -> UInt64 { now.withLock { $0 } }
        func advance(to t: UInt64) { now.withLock { $0 = max($0, t) } }
    }

    /// A NAT that forgets a mapping `timeout` seconds after its last packet; tests cost `testCost` s.
    final class FakeNAT: MappingLifetimeIO, @unchecked Sendable {
        let clock: FakeClock
        let timeout: Double
        let answersTowardPort: Bool
        let lastPacket = Mutex<[Int: UInt64]>([:])
        let tests = Atomic<Int>(0)
        init(clock: FakeClock, timeout: Double, answersTowardPort: Bool = true) {
            self.clock = clock
            self.timeout = timeout
            self.answersTowardPort = answersTowardPort
        }
        var server: String { "192.0.2.1:3478" }
        func open(_ count: Int) async -> [(port: UInt16, at: UInt64)?] {
            let t = clock.nowNanos()
            lastPacket.withLock { m in for i in 0..<count { m[i] = t } }
            return (0..<count).map { (port: UInt16(40000 + $0), at: t) }
        }
        func test(_ index: Int, port: UInt16) async -> Bool {
            tests.add(1, ordering: .relaxed)
            let now = clock.nowNanos()
            let alive = lastPacket.withLock { m -> Bool in
                let idle = Double(now &- (m[index] ?? 0)) / 1e9
                let ok = idle < timeout
                if ok { m[index] = now }  // an answer refreshes the mapping
                return ok
            }
            clock.advance(to: now + 200_000_000)
            return answersTowardPort && alive
        }
        func close() {}
    }

    func measure(timeout: Double, limit: Int, answers: Bool = true) async -> (MappingLifetimeSection, FakeNAT) {
        let clock = FakeClock()
        let nat = FakeNAT(clock: clock, timeout: timeout, answersTowardPort: answers)
        let probe = MappingLifetimeProbe(limit: limit, clock: clock, sleep: { clock.advance(to: $0) })
        return (await probe.run(nat), nat)
    }

    @Test("the ladder: 5 s, then every 10 s below the limit, then the limit")
    func rungs() {
        #expect(LifetimeLadder(limit: 90).rungs == [5, 15, 25, 35, 45, 55, 65, 75, 85, 90])
        #expect(LifetimeLadder(limit: 300).rungs.count == 31)
        #expect(LifetimeLadder(limit: 5).rungs == [5])
    }

    @Test("the interval contains the timeout and is at most 10 s wide",
          arguments: [3.0, 7.0, 20.0, 30.0, 59.5, 60.0, 120.0, 299.0])
    func intervalContainsTimeout(timeout: Double) async {
        let (s, _) = await measure(timeout: timeout, limit: 300)
        #expect(s.status == .checked)
        let min = s.minSeconds ?? -1, max = s.maxSeconds ?? -1
        #expect(Double(min) <= timeout && timeout <= Double(max), "\(min)...\(max) for \(timeout)")
        #expect(max - min <= 10)
        // It stops at the first forgotten mapping: about the timeout plus one step, not the limit.
        #expect(s.durationSeconds <= Int(timeout) + 12)
    }

    @Test("a mapping that outlives the limit: at least the limit, no upper bound")
    func outlivesLimit() async {
        let (s, nat) = await measure(timeout: 1000, limit: 90)
        #expect(s.status == .checked && s.minSeconds == 90 && s.maxSeconds == nil)
        #expect(nat.tests.load(ordering: .relaxed) == 11)  // control + 10 rungs
        #expect(PathLimitRules.findings(s).isEmpty)
        #expect(PathLimitsContent.lifetimeLine(s) == "Idle mapping lifetime: more than 90 s (alive after 90 s idle)")
    }

    @Test("a server that does not answer toward another port: inconclusive after the control test")
    func noResponsePort() async {
        let (s, nat) = await measure(timeout: 1000, limit: 300, answers: false)
        #expect(s.status == .inconclusive && s.minSeconds == nil && s.maxSeconds == nil)
        #expect(nat.tests.load(ordering: .relaxed) == 1)
        #expect(s.evidence.first?.contains("RESPONSE-PORT") == true)
    }

    @Test("under 30 s: short-mapping-lifetime, with the keepalive advice from the lower bound")
    func shortFinding() async throws {
        let (s, _) = await measure(timeout: 20, limit: 300)
        let f = try #require(PathLimitRules.findings(s).first)
        #expect(f.code == .shortMappingLifetime && f.minSeconds == 15 && f.maxSeconds == 25)
        let words = PathLimitsContent.words(f)
        #expect(words.meaning.contains("between 15 and 25 seconds"))
        #expect(words.advice.first?.contains("more frequent than every 15 s") == true)
        #expect(words.furtherReading.map(\.reference).contains("https://www.rfc-editor.org/rfc/rfc8085#section-3.5"))
    }

    @Test("loopback: the server answers toward a fresh mapping's port (RESPONSE-PORT)")
    func loopbackControl() async throws {
        let server = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: nil, port: 26740))
        Thread { server.run() }.start()
        defer { server.stop() }
        // Roomy windows: hang guards for the answered steps on a loaded machine.
        let io = try LifetimeSockets(server: TransportAddress(.v4(127, 0, 0, 1), 26740), answerWindow: 5, openWindow: 30)
        defer { io.close() }
        let opened = await io.open(2)
        let a = try #require(opened[0]), b = try #require(opened[1])
        #expect(await io.test(0, port: a.port))
        // Mapping 1 is asked about with mapping 0's port: the answer goes to socket 0, not 1.
        #expect(await !io.test(1, port: a.port))
        #expect(await io.test(1, port: b.port))
    }
}
