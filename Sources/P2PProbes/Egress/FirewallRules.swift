import Foundation
import P2PReport
import P2PSocket
import Synchronization

/// Local firewall rules that drop or reject outbound UDP, read (never changed) from nftables,
/// iptables, ufw and firewalld. Evidence only: the port verdicts come from packets, and a missing or
/// unreadable tool never fails the probe.
public enum FirewallRules {
    /// Runs the read-only listing tools concurrently (each bounded by `deadline`) and quotes the
    /// rules that drop outbound UDP.
    public static func read(deadline: Deadline) async -> FirewallEvidence {
        async let nft = runTool("nft", ["list", "ruleset"], deadline: deadline)
        async let ipt = runTool("iptables-save", [], deadline: deadline)
        async let ufw = runTool("ufw", ["status", "verbose"], deadline: deadline)
        async let fwd = runTool("firewall-cmd", ["--state"], deadline: deadline)
        var ev = FirewallEvidence()
        var nftOK = false
        switch await nft {
        case .ran(0, let out, _):
            nftOK = true
            ev.rules += outboundUDPDropsNFT(out).map { "nft: " + quote($0) }
        case .ran(_, _, let err):
            let e = err.trimmingCharacters(in: .whitespacesAndNewlines)
            ev.notes.append("nft list ruleset failed\(e.lowercased().contains("permitted") ? " (not permitted: run as root to read it)" : e.isEmpty ? "" : ": \(UntrustedText.clean(e, limit: 120))")")
        case .timedOut: ev.notes.append("nft list ruleset did not finish in time")
        case .missing: break
        }
        if case .ran(0, let out, _) = await ipt {
            // iptables-nft rules already appear in the nft ruleset.
            if !(nftOK && out.contains("iptables-nft")) {
                ev.rules += outboundUDPDropsIptables(out).map { "iptables: " + quote($0) }
            }
        }
        if case .ran(0, let out, _) = await ufw {
            ev.rules += ufwOutboundDenies(out).map { "ufw: " + quote($0) }
        }
        if case .ran(_, let out, _) = await fwd, out.trimmingCharacters(in: .whitespacesAndNewlines) == "running" {
            ev.notes.append("firewalld is running (its policies show in the nftables ruleset)")
        }
        return ev
    }

    /// A rule quoted as evidence: tool output holds text anyone with root wrote (nft comments,
    /// chain names), so it is cleaned where it enters the report.
    static func quote(_ rule: String) -> String { UntrustedText.clean(rule, limit: 300) }

    // MARK: - Pure filters

    /// Rules of `nft list ruleset` text that drop or reject outbound UDP: in a chain hooked on output
    /// (or one jumped to from such a chain), with a drop/reject verdict, matching UDP or no protocol
    /// at all. Output chains with policy drop are quoted too.
    public static func outboundUDPDropsNFT(_ text: String) -> [String] {
        struct Chain { var name: String; var output = false; var policyDrop = false; var rules: [String] = []; var jumps: [String] = [] }
        var chains: [Chain] = []
        var table = ""
        var current: Int?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let words = line.split(separator: " ").map(String.init)
            if words.first == "table", words.count >= 3 {
                table = "\(words[1]) \(words[2])"
                current = nil
            } else if words.first == "chain", words.count >= 2 {
                chains.append(Chain(name: "\(table) \(words[1])"))
                current = chains.count - 1
            } else if line == "}" {
                current = nil
            } else if let c = current {
                if words.first == "type", words.contains("hook") {
                    if let h = words.firstIndex(of: "hook"), h + 1 < words.count, words[h + 1] == "output" { chains[c].output = true }
                    if line.contains("policy drop") { chains[c].policyDrop = true }
                } else if !line.isEmpty {
                    chains[c].rules.append(line)
                    for verb in ["jump", "goto"] {
                        if let j = words.firstIndex(of: verb), j + 1 < words.count { chains[c].jumps.append("\(table) \(words[j + 1])") }
                    }
                }
            }
        }
        var reachable = Set(chains.filter(\.output).map(\.name))
        var changed = true
        while changed {
            changed = false
            for c in chains where reachable.contains(c.name) {
                for j in c.jumps where !reachable.contains(j) { reachable.insert(j); changed = true }
            }
        }
        var out: [String] = []
        for c in chains where reachable.contains(c.name) {
            let parts = c.name.split(separator: " ")
            let label = "table \(parts.prefix(2).joined(separator: " ")) chain \(parts.last ?? "")"
            if c.policyDrop { out.append("\(label): policy drop") }
            for r in c.rules where dropsUDP(words: r.split(separator: " ").map(String.init), drop: ["drop", "reject"],
                                            udp: ["udp"], otherProtocols: ["tcp", "icmp", "icmpv6", "sctp", "dccp", "igmp"]) {
                out.append("\(label): \(r)")
            }
        }
        return out
    }

    /// `iptables-save` lines that drop or reject outbound UDP: OUTPUT (and chains it jumps to) with
    /// -j DROP/REJECT and -p udp or no protocol; ":OUTPUT DROP" policies.
    public static func outboundUDPDropsIptables(_ text: String) -> [String] {
        var rules: [(chain: String, line: String, target: String)] = []
        var out: [String] = []
        var table = ""
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("*") { table = String(line.dropFirst()); continue }
            guard table == "filter" else { continue }
            if line.hasPrefix(":OUTPUT DROP") { out.append(":OUTPUT DROP (policy)") }
            let w = line.split(separator: " ").map(String.init)
            guard w.count >= 2, w[0] == "-A" else { continue }
            let target = w.firstIndex(of: "-j").flatMap { $0 + 1 < w.count ? w[$0 + 1] : nil } ?? ""
            rules.append((w[1], line, target))
        }
        var reachable: Set<String> = ["OUTPUT"]
        var changed = true
        while changed {
            changed = false
            for r in rules where reachable.contains(r.chain) && !["ACCEPT", "DROP", "REJECT", "RETURN", "LOG", ""].contains(r.target) {
                if !reachable.contains(r.target) { reachable.insert(r.target); changed = true }
            }
        }
        for r in rules where reachable.contains(r.chain) && ["DROP", "REJECT"].contains(r.target) {
            let w = r.line.split(separator: " ").map(String.init)
            if w.contains("INVALID") { continue }
            if let p = w.firstIndex(of: "-p"), p + 1 < w.count, !["udp", "17", "all"].contains(w[p + 1]) { continue }
            out.append(r.line)
        }
        return out
    }

    /// `ufw status verbose` lines denying or rejecting outgoing traffic (UDP or any protocol).
    public static func ufwOutboundDenies(_ text: String) -> [String] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.contains(where: { $0.hasPrefix("Status: active") }) else { return [] }
        var out: [String] = []
        for l in lines {
            if l.hasPrefix("Default:"), l.contains("deny (outgoing)") || l.contains("reject (outgoing)") { out.append(l) }
            if l.contains("DENY OUT") || l.contains("REJECT OUT") {
                let first = l.split(separator: " ").first.map(String.init) ?? ""
                if first.contains("/tcp") { continue }
                out.append(l)
            }
        }
        return out
    }

    /// A rule with a drop/reject verdict that matches UDP, or matches no protocol at all (it then
    /// drops UDP too). Rules for invalid conntrack state are not about UDP egress and are left out.
    static func dropsUDP(words: [String], drop: Set<String>, udp: Set<String>, otherProtocols: Set<String>) -> Bool {
        guard words.contains(where: { drop.contains($0) }) else { return false }
        if words.contains("invalid") { return false }
        if words.contains(where: { udp.contains($0) }) { return true }
        return !words.contains(where: { otherProtocols.contains($0) })
    }

    // MARK: - Subprocesses

    enum ToolResult: Sendable, Equatable {
        case ran(Int32, String, String)
        case timedOut
        case missing
    }

    /// Where a tool lives: PATH plus the sbin directories (often not on a user's PATH).
    static func locate(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs one tool off the cooperative pool; killed (SIGKILL) when `deadline` passes first.
    static func runTool(_ name: String, _ args: [String], deadline: Deadline) async -> ToolResult {
        guard let path = locate(name) else { return .missing }
        let running = Atomic<Int32>(0)
        let r = await blockingUntil(deadline) { () -> ToolResult in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = args
            p.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"]
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            p.standardInput = FileHandle.nullDevice
            do { try p.run() } catch { return .missing }
            running.store(p.processIdentifier, ordering: .releasing)
            let errData = Mutex(Data())
            // stderr on a thread of its own (not GCD: see blockingUntil), so neither pipe fills up.
            let errDone = DispatchSemaphore(value: 0)
            Thread {
                let d = err.fileHandleForReading.readDataToEndOfFile()
                errData.withLock { $0 = d }
                errDone.signal()
            }.start()
            let o = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            running.store(0, ordering: .releasing)
            errDone.wait()
            return .ran(p.terminationStatus, String(decoding: o, as: UTF8.self),
                        String(decoding: errData.withLock { $0 }, as: UTF8.self))
        }
        if let r { return r }
        // The tool is still running (the reader thread reaps it once killed).
        let pid = running.load(ordering: .acquiring)
        if pid > 0 { kill(pid, SIGKILL) }
        return .timedOut
    }
}
