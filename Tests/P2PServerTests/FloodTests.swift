import Foundation
import P2PServer
import P2PSocket
import STUNCodec
import Testing

/// The server under malformed and spoofed floods from many loopback source addresses (127.x.y.z
/// are all local in the lo-only namespace the suite runs in).
@Suite(.serialized) struct FloodTests {
    static func start(port: UInt16, rate: Double, clock: any MonotonicClock = SystemClock()) throws -> STUNServer {
        let server = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: port),
                                    ratePerSecond: rate, clock: clock)
        Thread { server.run() }.start()
        return server
    }

    /// What an off-path attacker or a broken client sends: Binding responses (success and error)
    /// with random transaction IDs, indications, truncated and overrunning requests, wrong
    /// FINGERPRINTs, noise.
    static func junk(_ i: Int, _ rng: inout SystemRandomNumberGenerator) -> [UInt8] {
        let id = (0..<12).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let cookie: [UInt8] = [0x21, 0x12, 0xA4, 0x42]
        switch i % 6 {
        case 0: return [0x01, 0x01, 0x00, 0x0C] + cookie + id + [0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0x12, 0x34, 1, 2, 3, 4]
        case 1: return [0x01, 0x11, 0x00, 0x00] + cookie + id
        case 2: return [0x00, 0x11, 0x00, 0x00] + cookie + id                      // Binding indication
        case 3: return [0x00, 0x01, 0x00, 0x40] + cookie + id                      // length past the end
        case 4: return [0x00, 0x01, 0x00, 0x08] + cookie + id + [0x80, 0x28, 0x00, 0x04, 0, 0, 0, 0]  // bad FINGERPRINT
        default: return (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
    }

    /// Nothing in a spoofed or malformed flood is ever answered (no reflection, no amplification),
    /// from any of 32 source addresses, and every packet is counted as dropped.
    @Test func spoofedAndMalformedPacketsAreNeverAnswered() async throws {
        try Self.spoofedAndMalformed()
    }

    static func spoofedAndMalformed() throws {
        let server = try start(port: 23620, rate: 0)
        defer { server.stop() }
        let dest = TransportAddress(.v4(127, 0, 0, 1), 23620)
        let floods = try (0..<32).map { i in try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 9, UInt8(i), 1), 0)) }
        defer { for s in floods { s.close() } }
        var rng = SystemRandomNumberGenerator()
        for i in 0..<3200 { try? floods[i % floods.count].send(Self.junk(i, &rng), to: dest) }
        // A valid request afterwards proves the server was reading (and drains behind the flood).
        let client = try UDPSocket(family: .ipv4)
        defer { client.close() }
        let req = STUNMessage(type: .bindingRequest)
        try client.send(req.encode(), to: dest)
        var answered = false
        let deadline = Date().addingTimeInterval(15)  // a hang guard: the answer ends the wait
        while !answered, Date() < deadline {
            guard let d = try client.receive(timeout: 0.5) else {
                try client.send(req.encode(), to: dest)  // the flood may have filled the buffer and dropped it
                continue
            }
            if let m = try? STUNMessage.decode(d.bytes) { answered = m.transactionID == req.transactionID }
        }
        #expect(answered)
        var replies = 0
        for s in floods { while (try? s.receive(timeout: 0.01)) != nil { replies += 1 } }
        #expect(replies == 0, "the flood got \(replies) replies")
        let st = server.stats
        #expect(st.received >= 1000, "\(st)")  // the kernel may drop part of the burst before the server reads it
        #expect(st.answered >= 1 && st.malformed + st.notBindingRequest == st.received - st.answered, "\(st)")
    }

    /// The rate limit is per source: one source far over its limit is refused, while another source
    /// under its limit is answered every time, during the flood.
    @Test func floodingSourceIsLimitedAndAnotherSourceStillAnswered() async throws {
        try Self.floodingSourceLimited()
    }

    static func floodingSourceLimited() throws {
        // The server's clock stands still: buckets never refill, so the limits below hold however
        // long the flood takes on a starved machine.
        let server = try start(port: 23630, rate: 100, clock: FrozenClock())
        defer { server.stop() }
        let dest = TransportAddress(.v4(127, 0, 0, 1), 23630)
        let hog = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        let victim = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 9), 0))
        defer { hog.close(); victim.close() }
        let floodDone = DispatchSemaphore(value: 0)
        Thread {
            let req = STUNMessage(type: .bindingRequest).encode()
            for _ in 0..<40 {
                for _ in 0..<100 { try? hog.send(req, to: dest) }
                Thread.sleep(forTimeInterval: 0.01)
            }
            floodDone.signal()
        }.start()
        var answered = 0, victimSent = 0
        for _ in 0..<20 {
            let req = STUNMessage(type: .bindingRequest)
            try victim.send(req.encode(), to: dest)
            victimSent += 1
            let deadline = Date().addingTimeInterval(15)  // a hang guard: the answer ends the wait
            while Date() < deadline {
                guard let d = try victim.receive(timeout: 0.5) else {
                    try victim.send(req.encode(), to: dest)  // the flood may have filled the buffer and dropped it
                    victimSent += 1
                    continue
                }
                if (try? STUNMessage.decode(d.bytes))?.transactionID == req.transactionID { answered += 1; break }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        floodDone.wait()
        Thread.sleep(forTimeInterval: 0.2)
        let st = server.stats
        #expect(answered == 20, "the victim source was answered \(answered)/20 times: \(st)")
        // 4000 requests from one source; its bucket allows its burst of 200 (the clock stands still).
        #expect(st.rateLimited >= st.received - victimSent - 200, "\(st)")
        #expect(st.answered <= victimSent + 200, "\(st)")
    }
}
