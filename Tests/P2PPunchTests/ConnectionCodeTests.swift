import P2PSocket
import P2PPunch
import STUNCodec
import Testing

@Suite struct ConnectionCodeTests {
    static let now: UInt32 = 1_800_000_000
    static let cands = [Candidate(.host, TransportAddress(.v4(192, 168, 1, 2), 40000)),
                        Candidate(.host, TransportAddress(.v6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]), 40000)),
                        Candidate(.serverReflexive, TransportAddress(.v4(198, 51, 100, 2), 40000))]

    static func code(hint: MappingHint = .independent) -> ConnectionCode {
        ConnectionCode.make(now: now, role: .connector, hint: hint, candidates: cands)
    }

    @Test func roundTrip() throws {
        let c = Self.code(hint: .varies)
        let text = c.text
        #expect(text.hasPrefix("p2p1-"))
        #expect(text.count < 200)
        #expect(!text.contains(where: { $0.isWhitespace }))
        let back = try ConnectionCode.decode(text, now: Self.now)
        #expect(back == c)
        #expect(back.role == .connector && back.hint == .varies)
        // Pasted with spaces, a line break and in capitals: still the same code.
        let messy = "  " + text.uppercased().prefix(30) + "\n" + text.uppercased().dropFirst(30) + " "
        #expect(try ConnectionCode.decode(String(messy), now: Self.now) == c)
    }

    @Test func everyHintAndRoleSurvives() throws {
        for h in MappingHint.allCases {
            for r in CodeRole.allCases {
                let c = ConnectionCode.make(now: Self.now, role: r, hint: h, candidates: Self.cands)
                let back = try ConnectionCode.decode(c.text, now: Self.now)
                #expect(back.hint == h && back.role == r)
            }
        }
    }

    @Test func twoIPv6AmongEightCandidatesStayUnder180Characters() throws {
        let v6 = (1...2).map { Candidate(.host, TransportAddress(.v6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0xff, count: 11) + [UInt8($0)]), 40000)) }
        let v4 = (1...6).map { Candidate(.host, TransportAddress(.v4(192, 168, 1, UInt8($0)), 40000)) }
        let c = ConnectionCode.make(now: Self.now, hint: .independent, candidates: v4 + v6, measures: true)
        #expect(c.text.count < 180, "\(c.text.count)")
        #expect(try ConnectionCode.decode(c.text, now: Self.now).candidates == v4 + v6)
    }

    @Test func theMeasuringFlagSurvivesAndLeavesRoleAndHintAsTheyWere() throws {
        let plain = ConnectionCode.make(now: Self.now, role: .client, hint: .varies, candidates: Self.cands)
        var measuring = plain
        measuring.measures = true
        #expect(try ConnectionCode.decode(measuring.text, now: Self.now).measures)
        #expect(try !ConnectionCode.decode(plain.text, now: Self.now).measures)
        // Only bit 5 of the flags byte differs, which a reader of role and hint never looks at.
        let a = plain.bytes, b = measuring.bytes
        #expect(a[1] ^ b[1] == 0x20 && Array(a[2..<(a.count - 4)]) == Array(b[2..<(b.count - 4)]))
        #expect(b[1] & 0x3 == CodeRole.client.rawValue && (b[1] >> 2) & 0x7 == MappingHint.varies.rawValue)
    }

    @Test func eightCandidatesStayWellUnder200Characters() {
        let many = (1...8).map { Candidate(.host, TransportAddress(.v4(10, 0, 0, UInt8($0)), 50000)) }
        let c = ConnectionCode.make(now: Self.now, hint: .unknown, candidates: many)
        #expect(c.candidates.count == 8)
        #expect(c.text.count < 160)
    }

    @Test func malformed() {
        #expect(throws: CodeError.empty) { try ConnectionCode.decode("   ", now: Self.now) }
        #expect { try ConnectionCode.decode("hello", now: Self.now) } throws: { e in
            (e as? CodeError).map { if case .malformed = $0 { return true } else { return false } } ?? false
        }
        let text = Self.code().text
        // A character outside the alphabet (a "1" or "0" typed for "l" or "o").
        let bad = String(text.prefix(12)) + "1" + String(text.dropFirst(13))
        #expect { try ConnectionCode.decode(bad, now: Self.now) } throws: { e in
            guard case .malformed(let why)? = e as? CodeError else { return false }
            return why.contains("character 8")
        }
        // Two codes pasted together.
        let two = text + String(text.dropFirst(5))
        #expect { try ConnectionCode.decode(two, now: Self.now) } throws: { e in
            if case .malformed? = e as? CodeError { return true } else { return false }
        }
    }

    @Test func truncatedAtEveryLength() {
        let text = Self.code().text
        for n in 6..<text.count {
            let cut = String(text.prefix(n))
            #expect(throws: CodeError.self) { try ConnectionCode.decode(cut, now: Self.now) }
            do {
                _ = try ConnectionCode.decode(cut, now: Self.now)
            } catch let e {
                // A cut code says "truncated", never passes for a checksum error or a valid code.
                guard case .truncated = e else { Issue.record("cut at \(n): \(e)"); continue }
            }
        }
    }

    @Test func changedCharacterFailsTheChecksum() {
        let text = Array(Self.code().text)
        var changed = text
        let i = text.count - 10
        changed[i] = changed[i] == "a" ? "b" : "a"
        #expect(throws: CodeError.checksum) { try ConnectionCode.decode(String(changed), now: Self.now) }
    }

    @Test func wrongVersion() {
        let text = Self.code().text
        #expect(throws: CodeError.wrongVersion(2)) { try ConnectionCode.decode("p2p2-" + text.dropFirst(5), now: Self.now) }
        #expect(CodeError.wrongVersion(2).description.contains("version 2"))
    }

    @Test func expired() {
        let c = Self.code()
        #expect(throws: Never.self) { try ConnectionCode.decode(c.text, now: c.expiry) }
        #expect(throws: CodeError.expired(secondsAgo: 61)) { try ConnectionCode.decode(c.text, now: c.expiry + 61) }
        #expect(CodeError.expired(secondsAgo: 61).description.contains("1 min 1 s ago"))
    }

    @Test func ownCode() {
        let c = Self.code()
        #expect(throws: CodeError.ownCode) { try ConnectionCode.decode(c.text, now: Self.now, own: c) }
        #expect(throws: Never.self) { try ConnectionCode.decode(c.text, now: Self.now, own: Self.code()) }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(CodeError.truncated(have: 20, need: 27).description.hasPrefix("truncated code"))
        #expect(CodeError.checksum.description.contains("changed or lost"))
        #expect(CodeError.ownCode.description.contains("own code"))
        #expect(CodeError.malformed("x").description.hasPrefix("malformed code"))
    }

    @Test func randomInputNeverTrapsAndNeverPassesTheChecksum() {
        // Seeded: the same 3000 inputs every run.
        var rng = SplitMix64(seed: 12)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var accepted = 0
        for i in 0..<3000 {
            let n = Int(rng.next() % 200)
            var body = String((0..<n).map { _ in alphabet[Int(rng.next() % 32)] })
            if i % 3 == 0 {
                // A valid code with a few characters changed.
                var chars = Array(Self.code().text.dropFirst(5))
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(chars.count))
                    let old = chars[at]
                    repeat { chars[at] = alphabet[Int(rng.next() % 32)] } while chars[at] == old
                }
                body = String(chars)
            }
            if (try? ConnectionCode.decode("p2p1-" + body, now: Self.now)) != nil { accepted += 1 }
        }
        // Only a change in the last character's unused low bits could slip through (base32 pads
        // 62 bytes to 100 characters with 4 spare bits); nothing else does.
        #expect(accepted <= 3, "\(accepted) corrupted or random codes accepted")
    }

    @Test func base32MatchesRFC4648Vectors() {
        // RFC 4648 section 10, lower case, no padding.
        let vectors = ["": "", "f": "my", "fo": "mzxq", "foo": "mzxw6", "foob": "mzxw6yq", "fooba": "mzxw6ytb", "foobar": "mzxw6ytboi"]
        for (plain, enc) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == enc)
            #expect((try? Base32.decode(Substring(enc)).get()) == Array(plain.utf8))
        }
    }
}

