import P2PReport

extension SummaryText {
    /// The live hole-punch test's section (`p2ptui punch --save-to`), only when it was run: a
    /// proven path outranks every prediction above, and a failure names its reason.
    static func punchSection(_ p: PunchSection, into w: inout Writer) {
        w.blank()
        w.line(String(repeating: "-", count: w.width))
        w.line("Live test with the other side (p2ptui punch)")
        let arrow = w.ascii ? "<->" : "↔"
        if p.direct {
            let rtt = p.rttMs.map { ", RTT \(formatMs($0)) ms" } ?? ""
            let after = p.elapsedMs.map { ", after \($0) ms" } ?? ""
            w.paragraph("Result: DIRECT path proven: local \(p.localEndpoint ?? "?") \(arrow) peer "
                        + "\(p.remoteEndpoint ?? "?")\(rtt)\(after)", indent: 3, hanging: 2)
        } else {
            w.paragraph("Result: no direct path: traffic would go through a relay", indent: 3, hanging: 2)
        }
        w.paragraph("Why: \(p.reason)", indent: 3, hanging: 2)
        if let fix = p.fix { w.paragraph("Change first: \(fix)", indent: 3, hanging: 2) }
        w.paragraph("Pairs tried: \(p.pairsTried); mapping here: \(p.localMapping), at the peer: \(p.peerMapping)",
                    indent: 3, hanging: 2)
    }

    private static func formatMs(_ v: Double) -> String {
        let tenths = (v * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)).0" : "\(tenths)"
    }
}
