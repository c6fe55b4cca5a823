import P2PPunch
import P2PReport
import STUNCodec
import Testing

/// Two path meters wired back to back with an injected clock: `drop` decides per datagram (its
/// size, its direction "ab" or "ba", and how many datagrams went that way before it).
struct MeterNet {
    var a: PathMeter
    var b: PathMeter
    var delay: UInt64 = 10_000_000
    var drop: (_ size: Int, _ way: String, _ index: Int) -> Bool = { _, _, _ in false }
    var now: UInt64
    var sent = ["ab": 0, "ba": 0]
    /// How often the two sides get to run (a loaded machine wakes them late).
    var step: UInt64 = 1_000_000
    var inFlight: [(at: UInt64, toB: Bool, bytes: [UInt8])] = []

    static let aAddr = TransportAddress(.v4(198, 51, 100, 2), 40000), bAddr = TransportAddress(.v4(198, 51, 100, 130), 50000)

    init(seconds: Double = 3, bStartsLater: UInt64 = 0) {
        let (ca, cb) = CheckMachineTests.codes()
        now = 1_000_000_000
        a = PathMeter(credentials: CheckCredentials(local: ca, peer: cb), remote: Self.bAddr, seconds: seconds, start: now)
        b = PathMeter(credentials: CheckCredentials(local: cb, peer: ca), remote: Self.aAddr, seconds: seconds, start: now + bStartsLater)
    }

    mutating func send(_ out: [Outgoing], fromA: Bool) {
        let way = fromA ? "ab" : "ba"
        for o in out {
            let i = sent[way]!
            sent[way] = i + 1
            if !drop(o.bytes.count, way, i) { inFlight.append((now + delay, fromA, o.bytes)) }
        }
    }

    mutating func run() {
        while !(a.isDone(now: now) && b.isDone(now: now)) {
            send(a.poll(now: now), fromA: true)
            if now >= b.start { send(b.poll(now: now), fromA: false) }
            let due = inFlight.filter { $0.at <= now }
            inFlight.removeAll { $0.at <= now }
            for p in due {
                // Before B's meter starts, B is still in its checks: it counts nothing.
                if p.toB { if now >= b.start { send(b.receive(p.bytes, from: Self.aAddr, now: now), fromA: false) } }
                else { send(a.receive(p.bytes, from: Self.bAddr, now: now), fromA: true) }
            }
            now += step
        }
    }
}

@Suite struct PathMeterTests {
    @Test func aCleanPathCarriesEverySizeBothWaysWithoutLoss() {
        var net = MeterNet()
        net.run()
        let q = net.a.quality
        #expect(q.rttMedianMs == 20 && q.rttP99Ms == 20)
        #expect(q.rttSamples >= 55)
        #expect(q.outboundLossPercent == 0 && q.inboundLossPercent == 0)
        #expect(q.outboundMaxBytes == 1472 && q.inboundMaxBytes == 1472)
        #expect(q.datagramStatus == "fits-quic" && !q.quicWouldFail && q.outboundSizesTried && q.inboundSizesTried)
        #expect(net.b.quality.outboundMaxBytes == 1472)
    }

    @Test func probesArePaddedToExactlyTheTriedSizes() {
        var net = MeterNet()
        var sizes: Set<Int> = []
        net.drop = { size, _, _ in sizes.insert(size); return false }
        net.run()
        #expect(sizes.isSuperset(of: PathQuality.sizes))
        #expect(sizes.subtracting(PathQuality.sizes).allSatisfy { $0 < 200 })
    }

    @Test func aPathDroppingDatagramsOver1200BytesOneWayIsTooSmallForQUIC() {
        var net = MeterNet()
        // A to B drops datagrams whose IPv4 packet exceeds 1200 bytes (UDP payload over 1172).
        net.drop = { size, way, _ in way == "ab" && size + 28 > 1200 }
        net.run()
        let a = net.a.quality, b = net.b.quality
        #expect(a.outboundMaxBytes == nil && a.outboundLossPercent == 0 && a.inboundMaxBytes == 1472)
        #expect(a.datagramStatus == "too-small" && a.quicWouldFail)
        #expect(b.inboundMaxBytes == nil && b.outboundMaxBytes == 1472 && b.quicWouldFail)
    }

    @Test func aSmallMTUKeepsTheSizesThatFit() {
        var net = MeterNet()
        net.drop = { size, _, _ in size > 1400 }
        net.run()
        #expect(net.a.quality.outboundMaxBytes == 1400 && net.a.quality.inboundMaxBytes == 1400)
        #expect(net.a.quality.datagramStatus == "fits-quic")
    }

    @Test func lossIsCountedEachWayFromSequenceNumbersAndTheEchoedCount() {
        var net = MeterNet()
        // Every 4th small probe from A to B is lost (probes are 96 bytes, answers 84); B to A loses nothing.
        var probes = 0
        net.drop = { size, way, _ in
            guard way == "ab", size == 96 else { return false }
            probes += 1
            return probes % 4 == 0
        }
        net.run()
        let a = net.a.quality, b = net.b.quality
        #expect((22...26).contains(a.outboundLossPercent ?? -1), "\(a.outboundLossPercent ?? -1)")
        #expect(a.inboundLossPercent == 0)
        #expect((22...26).contains(b.inboundLossPercent ?? -1))
    }

    @Test func sidesThatWakeLateStillSendEverySize() {
        var net = MeterNet()
        net.step = 400_000_000
        net.run()
        #expect(net.a.quality.outboundMaxBytes == 1472 && net.a.quality.inboundMaxBytes == 1472, "\(net.a.quality.line)")
    }

    @Test func aPeerStillInItsChecksLosesNothingAndMissesNoSize() {
        // B's meter starts 1.2 s after A's: A's first probes reach B's checks, which count nothing.
        var net = MeterNet(bStartsLater: 1_200_000_000)
        net.run()
        let a = net.a.quality, b = net.b.quality
        #expect(a.outboundLossPercent == 0 && b.inboundLossPercent == 0 && b.outboundLossPercent == 0, "\(a.line) / \(b.line)")
        #expect(a.datagramStatus == "fits-quic" && b.datagramStatus == "fits-quic", "\(a.line) / \(b.line)")
    }

    @Test func sizesNotAllTriedAreNotMeasuredNeverTooSmall() {
        // B's meter starts when A's sending is nearly over: A's sized probes cannot all go out.
        var net = MeterNet(bStartsLater: 2_900_000_000)
        net.run()
        let a = net.a.quality
        #expect(!a.outboundSizesTried && a.outboundMaxBytes == nil && !a.quicWouldFail, "\(a.line)")
        #expect(a.datagramStatus != "too-small", "\(a.line)")
    }

    @Test func aPeerThatNeverAnswersLeavesEverythingNotMeasured() {
        var net = MeterNet()
        net.drop = { _, way, _ in way == "ba" }
        net.run()
        let q = net.a.quality
        #expect(q.rttSamples == 0 && q.rttMedianMs == nil && q.outboundLossPercent == nil && q.inboundLossPercent == nil)
        #expect(q.outboundMaxBytes == nil && q.datagramStatus == "not-measured" && !q.quicWouldFail)
    }

    @Test func nearestRankPercentiles() {
        let v = (1...100).map(Double.init)
        #expect(Percentile.nearestRank(50, v) == 50 && Percentile.nearestRank(99, v) == 99)
        #expect(Percentile.nearestRank(99, [3, 1, 2]) == 3 && Percentile.nearestRank(50, [3, 1, 2]) == 2)
        #expect(Percentile.nearestRank(50, []) == nil)
    }
}
