import P2PReport

extension SummaryText {
    /// The live hole-punch test's section (`p2ptui punch --save-to`), only when it was run: a
    /// proven path outranks every prediction above, and a failure names its reason.
    static func punchSection(_ p: PunchSection, into w: inout Writer) {
        w.blank()
        w.line(String(repeating: "-", count: w.width))
        w.line("\(Pages.punchTitle) (p2ptui punch)")
        w.paragraph("Result: " + Pages.punchHeadline(p, ascii: w.ascii), indent: 3, hanging: 2)
        w.paragraph("Why: \(p.reason)", indent: 3, hanging: 2)
        if let fix = p.fix { w.paragraph("Change first: \(fix)", indent: 3, hanging: 2) }
        if let q = p.quality { w.paragraph("Path measured: \(q.line)", indent: 3, hanging: 2) }
        w.paragraph("Pairs tried: \(p.pairsTried); mapping here: \(p.localMapping), at the peer: \(p.peerMapping)",
                    indent: 3, hanging: 2)
    }
}
