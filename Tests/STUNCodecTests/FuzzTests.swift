import P2PSocket
import Foundation
import Testing
@testable import STUNCodec

/// Property/fuzz tests for the decoder, in the spirit of pion/stun's fuzz seeds: random packets and
/// mutations of the checked-in seed corpus. Deterministic: the seed is printed, and
/// `STUN_FUZZ_SEED=<n> STUN_FUZZ_ITERATIONS=<n>` replays or extends a run.
@Suite("Decoder fuzzing")
struct FuzzTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["STUN_FUZZ_SEED"].flatMap { UInt64($0) }
        ?? 0x5354_554E_2025_0001
    static let iterations = ProcessInfo.processInfo.environment["STUN_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 20_000

    /// Types the codec interprets; `.raw` never carries one of these.
    static let knownTypes: [UInt16] = [
        0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0009, 0x000A, 0x0020, 0x0026, 0x0027,
        0x8022, 0x8028, 0x802B, 0x802C,
    ]

    // MARK: The property

    /// Checks one input: decode returns or throws (a trap would abort the run), errors point at real
    /// bytes, and a decoded message survives encode -> decode unchanged. Returns a failure or nil.
    static func check(_ input: [UInt8]) -> String? {
        // The verifiers walk the same untrusted bytes and must not trap either.
        _ = STUNIntegrity.verifyFingerprint(input)
        _ = STUNIntegrity.verifyMessageIntegrity(input, key: [1, 2, 3])

        let m: STUNMessage
        do {
            m = try STUNMessage.decode(input)
        } catch {
            return errorIsAccurate(error, input) ? nil : "inaccurate error \(error)"
        }
        guard input.count >= 20, input[0] & 0xC0 == 0, Int(input.u16(at: 2)) == input.count - 20 else {
            return "accepted a packet with a bad header"
        }
        let encoded = m.encode()
        guard let again = try? STUNMessage.decode(encoded) else { return "re-encoding does not decode" }
        guard again == m else { return "decode(encode(m)) != m: \(again) vs \(m)" }
        guard again.encode() == encoded else { return "encoding is not stable" }
        // Header, attribute order and lengths are preserved; values are byte-exact except where the
        // codec canonicalises: padding bytes, PADDING contents, the reserved bits of address,
        // CHANGE-REQUEST and ERROR-CODE values, a 4-byte RESPONSE-PORT, invalid UTF-8 (becomes U+FFFD).
        guard Array(encoded[0..<2]) == Array(input[0..<2]), Array(encoded[4..<20]) == Array(input[4..<20]) else {
            return "header changed"
        }
        let a = tlvs(input), b = tlvs(encoded)
        guard a.count == m.attributes.count, b.count == a.count else { return "attribute count changed" }
        for (x, y) in zip(a, b) {
            guard x.type == y.type else { return "attribute type changed at \(x.offset)" }
            let vx = Array(input[(x.offset + 4)..<(x.offset + 4 + x.length)])
            let vy = Array(encoded[(y.offset + 4)..<(y.offset + 4 + y.length)])
            switch x.type {
            case 0x0001, 0x0002, 0x0004, 0x0005, 0x0020, 0x802B, 0x802C:
                guard vx[1...] == vy[1...] else { return "address value changed at \(x.offset)" }
            case 0x0006, 0x8022:
                if String(validating: vx, as: UTF8.self) != nil, vx != vy { return "string changed at \(x.offset)" }
            case 0x0009:
                if String(validating: vx[4...], as: UTF8.self) != nil, vx[3...] != vy[3...] || vx[2] & 7 != vy[2] {
                    return "ERROR-CODE changed at \(x.offset)"
                }
            case 0x0003, 0x0026, 0x0027:
                guard (x.type == 0x0027 && x.length == 4) || x.length == y.length else {
                    return "length changed at \(x.offset)"
                }
            default:
                guard vx == vy else { return "value of 0x\(String(x.type, radix: 16)) changed at \(x.offset)" }
            }
        }
        return nil
    }

    /// The error's claims can be checked against the bytes (RFC 8489 section 6 layout).
    static func errorIsAccurate(_ error: STUNDecodeError, _ p: [UInt8]) -> Bool {
        switch error {
        case .tooShort(let n):
            return n == p.count && n < 20
        case .notSTUN(let b):
            return p.count >= 20 && b == p[0] && b & 0xC0 != 0
        case .lengthNotMultipleOf4(let n):
            return p.count >= 20 && n == Int(p.u16(at: 2)) && n % 4 != 0
        case let .lengthMismatch(h, a):
            return p.count >= 20 && h == Int(p.u16(at: 2)) && a == p.count - 20 && h != a
        case let .truncatedAttribute(t, o, d, a):
            return o >= 20 && o % 4 == 0 && o + 4 <= p.count && p.u16(at: o) == t && Int(p.u16(at: o + 2)) == d
                && a == p.count - o - 4 && d > a && error.description.contains("offset \(o)")
        case let .badAttribute(t, o, r):
            return o >= 20 && o % 4 == 0 && o + 4 <= p.count && p.u16(at: o) == t
                && o + 4 + Int(p.u16(at: o + 2)) <= p.count && !r.isEmpty && error.description.contains("offset \(o)")
        }
    }

    static func kind(_ e: STUNDecodeError) -> String {
        switch e {
        case .tooShort: return "tooShort"
        case .notSTUN: return "notSTUN"
        case .lengthNotMultipleOf4: return "lengthNotMultipleOf4"
        case .lengthMismatch: return "lengthMismatch"
        case .truncatedAttribute: return "truncatedAttribute"
        case .badAttribute: return "badAttribute"
        }
    }

    /// (type, offset, length) of each TLV, for a packet the decoder accepted.
    static func tlvs(_ p: [UInt8]) -> [(type: UInt16, offset: Int, length: Int)] {
        var out: [(type: UInt16, offset: Int, length: Int)] = []
        var o = 20
        while o + 4 <= p.count {
            let len = Int(p.u16(at: o + 2))
            out.append((p.u16(at: o), o, len))
            o += 4 + len + (4 - len % 4) % 4
        }
        return out
    }

    // MARK: Generators

    struct Fuzzer {
        var rng: SplitMix64
        let seeds: [[UInt8]]

        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &rng) }
        mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in byte() } }
        mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

        /// A 20-byte header whose length field matches `body`.
        mutating func header(bodyCount: Int, legacy: Bool) -> [UInt8] {
            var h: [UInt8] = []
            h.appendU16(UInt16(int(0...0x3FFF)) & (chance(50) ? 0x0111 : 0x3FFF))
            h.appendU16(UInt16(truncatingIfNeeded: bodyCount))
            h.appendU32(legacy ? UInt32.random(in: 0...UInt32.max, using: &rng) : stunMagicCookie)
            return h + bytes(12)
        }

        /// A TLV with a type the decoder cares about (mostly) and a value of a plausible or odd size.
        mutating func tlv() -> [UInt8] {
            let type = chance(80) ? FuzzTests.knownTypes[int(0...FuzzTests.knownTypes.count - 1)] : UInt16(int(0...0xFFFF))
            let sizes = [0, 1, 2, 3, 4, 5, 8, 12, 20, 24, int(0...64)]
            let n = sizes[int(0...sizes.count - 1)]
            var value = bytes(n)
            if n >= 2, chance(60) { value[1] = chance(50) ? 0x01 : 0x02 }  // address family
            if n >= 4, type == 0x0009, chance(70) { value[2] = UInt8(int(3...6)); value[3] = UInt8(int(0...99)) }
            var out: [UInt8] = []
            out.appendU16(type)
            out.appendU16(UInt16(n))
            return out + value + bytes((4 - n % 4) % 4)
        }

        mutating func randomPacket() -> [UInt8] {
            switch int(0...3) {
            case 0:
                return bytes(int(0...72))  // pure noise, mostly rejected early
            default:
                var body: [UInt8] = []
                for _ in 0..<int(0...6) { body += tlv() }
                return header(bodyCount: body.count, legacy: chance(20)) + body
            }
        }

        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var p = input
            for _ in 0..<int(1...3) {
                switch int(0...10) {
                case 0, 1:  // bit flips
                    if !p.isEmpty { for _ in 0..<int(1...4) { p[int(0...p.count - 1)] ^= 1 << UInt8(int(0...7)) } }
                case 2:  // interesting byte values
                    if !p.isEmpty { p[int(0...p.count - 1)] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x02, 0x14][int(0...6)] }
                case 3:  // truncate
                    p = Array(p.prefix(int(0...p.count)))
                case 4:  // extend with noise
                    p += bytes(int(1...24))
                case 5:  // header length field
                    if p.count >= 4 {
                        let actual = p.count - 20
                        let choices = [actual, actual + 4, actual - 4, actual + 1, int(0...0xFFFF), 0]
                        p.setU16(UInt16(truncatingIfNeeded: choices[int(0...choices.count - 1)]), at: 2)
                    }
                case 6, 7:  // an attribute's length field
                    let list = FuzzTests.tlvs(p)
                    if !list.isEmpty {
                        let t = list[int(0...list.count - 1)]
                        let choices = [0, 1, 2, 3, 4, 8, 20, t.length + 1, t.length - 1, t.length + 4, 0xFFFF, int(0...0xFFFF)]
                        p.setU16(UInt16(truncatingIfNeeded: choices[int(0...choices.count - 1)]), at: t.offset + 2)
                    }
                case 8:  // an attribute's type
                    let list = FuzzTests.tlvs(p)
                    if !list.isEmpty {
                        let t = list[int(0...list.count - 1)]
                        p.setU16(FuzzTests.knownTypes[int(0...FuzzTests.knownTypes.count - 1)], at: t.offset)
                    }
                case 9:  // splice: this header and some attributes + another seed's attributes
                    let other = seeds[int(0...seeds.count - 1)]
                    if p.count >= 20, other.count >= 20 {
                        let cut = 20 + 4 * int(0...(p.count - 20) / 4)
                        let from = 20 + 4 * int(0...(other.count - 20) / 4)
                        p = Array(p[..<cut]) + Array(other[from...])
                    }
                default:  // drop or duplicate one attribute
                    let list = FuzzTests.tlvs(p)
                    if !list.isEmpty {
                        let t = list[int(0...list.count - 1)]
                        let end = min(p.count, t.offset + 4 + t.length + (4 - t.length % 4) % 4)
                        let chunk = Array(p[t.offset..<end])
                        if chance(50) { p.removeSubrange(t.offset..<end) } else { p.insert(contentsOf: chunk, at: t.offset) }
                    }
                }
            }
            // Half the time repair the header length so the mutation reaches the attribute parser.
            if p.count >= 20, chance(50) { p.setU16(UInt16(truncatingIfNeeded: p.count - 20), at: 2) }
            return p
        }
    }

    // MARK: Tests

    @Test("random and mutated packets never crash the decoder; decoded ones round-trip")
    func fuzzDecoder() async throws {
        print("STUN decoder fuzz: seed=\(Self.seed) iterations=\(Self.iterations) (set STUN_FUZZ_SEED to replay)")
        let seeds = try Corpus.load().map(\.bytes)
        // Seconds of CPU: on a thread of its own, not one of the two cooperative-pool threads
        // every other test in the parallel pass is waiting for.
        let (failures, decoded, errorKinds) = await onOwnThread { Self.fuzz(seeds) }
        #expect(failures.isEmpty, "seed \(Self.seed):\n\(failures.joined(separator: "\n"))")
        // The generators must reach both outcomes and every error kind, or the test proves little.
        if failures.isEmpty, Self.iterations >= 10_000 {
            #expect(decoded > Self.iterations / 10)
            #expect(errorKinds.count == 6, "error kinds reached: \(errorKinds)")
        }
    }

    static func fuzz(_ seeds: [[UInt8]]) -> (failures: [String], decoded: Int, errorKinds: [String: Int]) {
        var fuzzer = Fuzzer(rng: SplitMix64(seed: Self.seed), seeds: seeds)
        var failures: [String] = []
        var decoded = 0, attributes = 0
        var errorKinds: [String: Int] = [:]
        for i in 0..<Self.iterations {
            let input = i % 4 == 0 ? fuzzer.randomPacket() : fuzzer.mutate(seeds[fuzzer.int(0...seeds.count - 1)])
            if let failure = Self.check(input) {
                failures.append("iteration \(i): \(failure); input \(hexString(input))")
                if failures.count >= 5 { break }
            }
            if let m = try? STUNMessage.decode(input) {
                decoded += 1
                attributes += m.attributes.count
            } else if case .failure(let e) = Result(catching: { () throws(STUNDecodeError) in try STUNMessage.decode(input) }) {
                errorKinds[Self.kind(e), default: 0] += 1
            }
        }
        print("STUN decoder fuzz: decoded \(decoded) (\(attributes) attributes), errors \(errorKinds.sorted { $0.key < $1.key })")
        return (failures, decoded, errorKinds)
    }

    @Test("every truncation and every single-byte change of every seed")
    func exhaustiveSmallMutations() async throws {
        let corpus = try Corpus.load().map { ($0.name, $0.bytes) }
        let failures = await onOwnThread { Self.smallMutations(corpus) }  // CPU-heavy: off the pool
        #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
    }

    static func smallMutations(_ corpus: [(String, [UInt8])]) -> [String] {
        var failures: [String] = []
        for (name, seed) in corpus {
            for n in 0...seed.count {
                if let f = Self.check(Array(seed.prefix(n))) { failures.append("\(name) prefix \(n): \(f)") }
            }
            for i in seed.indices {
                for v: UInt8 in [0x00, 0xFF, seed[i] ^ 0x01, seed[i] ^ 0x80] {
                    var p = seed
                    p[i] = v
                    if let f = Self.check(p) { failures.append("\(name) byte \(i)=\(v): \(f)") }
                }
            }
        }
        return failures
    }

    @Test("random well-formed messages round-trip exactly")
    func randomMessagesRoundTrip() {
        var rng = SplitMix64(seed: Self.seed ^ 0xA5A5)
        func r(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        func address() -> TransportAddress {
            let ip = r(0...1) == 0 ? IPAddress(bytes: (0..<4).map { _ in UInt8(r(0...255)) })!
                                   : IPAddress(bytes: (0..<16).map { _ in UInt8(r(0...255)) })!
            return TransportAddress(ip, UInt16(r(0...65535)))
        }
        func text() -> String {
            let pool: [Unicode.Scalar] = ["a", "Z", " ", ":", "/", "é", "\u{30DE}", "\u{1F600}", "\u{0}", "\u{FFFD}"]
            return String(String.UnicodeScalarView((0..<r(0...20)).map { _ in pool[r(0...pool.count - 1)] }))
        }
        func attribute() -> STUNAttribute {
            switch r(0...16) {
            case 0: return .mappedAddress(address())
            case 1: return .xorMappedAddress(address())
            case 2: return .changeRequest(changeIP: r(0...1) == 1, changePort: r(0...1) == 1)
            case 3: return .changedAddress(address())
            case 4: return .sourceAddress(address())
            case 5: return .responseAddress(address())
            case 6: return .responseOrigin(address())
            case 7: return .otherAddress(address())
            case 8: return .responsePort(UInt16(r(0...65535)))
            case 9: return .padding(length: r(0...40))
            case 10: return .software(text())
            case 11: return .username(text())
            case 12: return .errorCode(code: r(300...699), reason: text())
            case 13: return .unknownAttributes((0..<r(0...5)).map { _ in UInt16(r(0...0xFFFF)) })
            case 14: return .messageIntegrity((0..<20).map { _ in UInt8(r(0...255)) })
            case 15: return .fingerprint(UInt32(r(0...Int(UInt32.max))))
            default:
                var t = UInt16(r(0...0xFFFF))
                while Self.knownTypes.contains(t) { t &+= 1 }
                return .raw(type: t, value: (0..<r(0...30)).map { _ in UInt8(r(0...255)) })
            }
        }
        var failures: [String] = []
        for i in 0..<2_000 {
            let legacy = r(0...4) == 0
            let m = STUNMessage(type: MessageType(rawValue: UInt16(r(0...0x3FFF))),
                                transactionID: TransactionID(bytes: (0..<12).map { _ in UInt8(r(0...255)) })!,
                                cookie: legacy ? UInt32(r(0...Int(UInt32.max))) : stunMagicCookie,
                                attributes: (0..<r(0...8)).map { _ in attribute() })
            let key: [UInt8]? = r(0...2) == 0 ? Array("key\(i)".utf8) : nil
            let fp = r(0...1) == 1
            let bytes = m.encode(integrityKey: key, fingerprint: fp)
            do {
                let back = try STUNMessage.decode(bytes)
                if back.withoutTrailers.attributes != m.withoutTrailers.attributes || back.type != m.type
                    || back.cookie != m.cookie || back.transactionID != m.transactionID {
                    failures.append("\(i): \(back) != \(m)")
                }
                // The verifiers look at the first MI / FP, so only check when the generator added none.
                if m.withoutTrailers.attributes.count == m.attributes.count {
                    if let key, STUNIntegrity.verifyMessageIntegrity(bytes, key: key) != true { failures.append("\(i): MI") }
                    if fp, STUNIntegrity.verifyFingerprint(bytes) != true { failures.append("\(i): FP") }
                }
                if back.encode() != bytes { failures.append("\(i): re-encode differs") }
            } catch {
                failures.append("\(i): \(error) decoding \(hexString(bytes))")
            }
        }
        #expect(failures.isEmpty, "seed \(Self.seed): \(failures.prefix(5).joined(separator: "\n"))")
    }
}

/// Runs CPU-heavy test work on a thread of its own and awaits the result, leaving the cooperative
/// pool (two threads on a 2-core CI machine) to the other tests. Expectations stay in the caller.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
        Thread { c.resume(returning: body()) }.start()
    }
}
