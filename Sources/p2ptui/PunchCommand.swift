import ArgumentParser
import Foundation
import P2PExport
import P2PProbes
import P2PPunch
import P2PReport
import P2PSocket

/// `p2ptui punch`: a live hole-punch test with the other side, by exchanging one-line codes.
struct PunchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "punch",
        abstract: "Prove (or disprove) a direct UDP path to the other side, live, by swapping one-line codes.",
        discussion: """
            Run it on both machines. Each prints its code as the first line of output; give it to the \
            other side (chat, ticket, phone) and paste theirs (one line on stdin, or --peer CODE). Both \
            then send authenticated STUN checks to every address of the other until one pair works in \
            both directions or --timeout passes; the other side may start later within it.

            Exit status: 0 a direct path is proven; 1 none was found; 2 usage error or a bad code; \
            3 could not run (no STUN server answered from this side).
            """)

    @Option(name: .customLong("stun"), help: ArgumentHelp(
        "STUN server host[:port] (repeatable; default port 3478). Two or more also tell whether the mapping varies by destination.",
        valueName: "host[:port]"))
    var stun: [String] = []

    @Option(help: "File listing STUN servers, one host[:port] per line (as for check).")
    var config: String?

    @Option(help: "Which side this machine is: client, connector or unknown (named in the result).")
    var role: Role = .unknown

    @Option(help: ArgumentHelp("The other side's code (instead of reading it on stdin).", valueName: "CODE"))
    var peer: String?

    @Option(help: "Seconds to try once the other side's code is known.")
    var timeout: Double = 15

    /// Seconds `punch` and the wizard measure a proven path by default.
    static let defaultMeasure: Double = 3

    @Option(help: ArgumentHelp(
        "Seconds to measure a proven path (round trips, loss each way, largest datagram each way); 0 skips it. Runs only when the other side's p2ptui measures too.",
        valueName: "SECONDS"))
    var measure: Double = defaultMeasure

    @Flag(help: "Write the result as a JSON object (after the code line).")
    var json = false

    @Flag(name: .shortAndLong, help: "Show gathering and check progress (to stderr).")
    var verbose = false

    @Option(name: .customLong("save-to"), help: ArgumentHelp(
        "Add the result (the `punch` field) to a report saved by `check --output FILE.json`, atomically.",
        valueName: "FILE.json"))
    var saveTo: String?

    @Flag(help: "ASCII only: no UTF-8 symbols.")
    var ascii = false

    func validate() throws {
        guard timeout > 0, timeout <= 300 else { throw ValidationError("--timeout must be between 0 and 300 seconds") }
        guard measure >= 0, measure <= 60 else { throw ValidationError("--measure must be between 0 and 60 seconds") }
    }

    func run() async throws {
        let now = { UInt32(Date().timeIntervalSince1970) }
        // A code given on the command line is checked before any packet is sent.
        if let peer {
            do { _ = try ConnectionCode.decode(peer, now: now()) } catch { fail(UserError("--peer: \(error)")) }
        }
        let servers: [String]
        do { servers = try stunServers() } catch { fail(error) }
        let verbose = self.verbose
        let say: @Sendable (String) -> Void = { line in
            if verbose { FileHandle.standardError.write(Data("punch: \(line)\n".utf8)) }
        }

        let gathered: Gathered
        do { gathered = try await Gatherer(servers: servers).gather() } catch { fail(error) }
        defer { gathered.close() }
        for e in gathered.stunEvidence { say(e) }
        let codeRole: CodeRole = role == .client ? .client : role == .connector ? .connector : .unknown
        let own = ConnectionCode.make(now: now(), role: codeRole, hint: gathered.hint, candidates: gathered.candidates,
                                      measures: measure > 0)
        if gathered.hint == .noSTUN {
            FileHandle.standardError.write(Data("p2ptui punch: no STUN server answered (\(servers.joined(separator: ", "))): outbound UDP looks blocked; trying private addresses only\n".utf8))
        }
        // The code is the first line of stdout, flushed at once: a script or a person waits for it.
        FileHandle.standardOutput.write(Data((own.text + "\n").utf8))
        if peer == nil {
            FileHandle.standardError.write(Data("p2ptui punch: give the line above to the other side, then paste its code here and press Enter:\n".utf8))
        }

        let peerText: String
        if let peer {
            peerText = peer
        } else {
            guard let line = await readPeerLine(keepingAlive: gathered) else {
                fail(UserError("no code on stdin: paste the other side's code as one line, or give it with --peer CODE"))
            }
            peerText = line
        }
        let peerCode: ConnectionCode
        do { peerCode = try ConnectionCode.decode(peerText, now: now(), own: own) } catch { fail(UserError("\(error)")) }

        var config = PunchConfig(deadline: timeout)
        config.deadline = timeout
        let machine = await runChecks(on: gathered.socket, v6: gathered.socket6, credentials: CheckCredentials(local: own, peer: peerCode),
                                      config: config, onProgress: say)
        let quality = await measurePath(on: gathered.socket, v6: gathered.socket6, machine: machine, seconds: measure, onProgress: say)
        let result = Diagnosis.result(machine: machine, gathered: gathered.stunEvidence, localHint: gathered.hint, quality: quality)

        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try enc.encode(result) + Data("\n".utf8))
        } else {
            print(Self.text(result, ascii: ascii), terminator: "")
        }
        if let saveTo { save(result, to: saveTo) }
        if result.direct { throw ExitCode(ExitStatus.ok) }
        throw ExitCode(gathered.hint == .noSTUN ? ExitStatus.couldNotRun : ExitStatus.finding)
    }

    static func text(_ r: PunchResult, ascii: Bool) -> String {
        var head = r.headline
        if ascii { head = head.replacingOccurrences(of: "↔", with: "<->") }
        var out = head + "\n"
        out += "  why: \(r.reason)\n"
        if let fix = r.fix { out += "  change first: \(fix)\n" }
        if let q = r.quality { out += "  path: \(q.line)\n" }
        out += "  pairs tried: \(r.pairsTried); checks sent \(r.checksSent), checks received \(r.checksReceived), answers \(r.answersReceived)"
        out += r.ignored.total > 0 ? "; ignored \(r.ignored.total) (bad integrity \(r.ignored.badIntegrity), unknown user \(r.ignored.unknownUsername), malformed \(r.ignored.malformed), stray \(r.ignored.stray))\n" : "\n"
        out += "  this side: mapping \(r.localMapping); \(r.localCandidates.joined(separator: ", "))\n"
        out += "  peer: mapping \(r.peerMapping); \(r.remoteCandidates.joined(separator: ", "))\n"
        return out
    }

    /// The servers exactly as `check` reads them (same validation of --stun and the config file).
    private func stunServers() throws -> [String] {
        let args = stun.flatMap { ["--stun", $0] } + (config.map { ["--config", $0] } ?? [])
        let engine: EngineOptions
        do { engine = try EngineOptions.parse(args) } catch { throw UserError(EngineOptions.message(for: error)) }
        return try engine.servers()
    }

    /// One line from stdin (nil at end of input), while a Binding request every 10 s keeps the
    /// NAT mapping the code announces alive.
    private func readPeerLine(keepingAlive g: Gathered) async -> String? {
        let keeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 10_000_000_000)
                if Task.isCancelled { break }
                if let s = g.servers.first { keepalive(g.socket, to: s) }
            }
        }
        defer { keeper.cancel() }
        return await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let t = Thread {
                var line: String?
                while let l = readLine(strippingNewline: true) {
                    // Bounded: a code is well under 200 characters; skip blank lines.
                    let trimmed = String(l.prefix(1000)).trimmingCharacters(in: .whitespaces)
                    if !trimmed.isEmpty { line = trimmed; break }
                }
                c.resume(returning: line)
            }
            t.start()
        }
    }

    private func save(_ r: PunchResult, to path: String) {
        do {
            var report = try ReportJSON.load(path: path)
            report.punch = r.section
            try AtomicFile.write(try ReportJSON.encodeExport(report, redact: false), to: path, overwrite: true)
            FileHandle.standardError.write(Data("p2ptui punch: result added to \(path)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("p2ptui punch: could not add the result to \(path): \(UserError.from(error).message)\n".utf8))
        }
    }
}
