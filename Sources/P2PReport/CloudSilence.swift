// The cloud step's "metadata service stayed silent" reason: one wording for the probe that
// writes it and the assessment, summary and guide that read it.

extension CloudSection {
    /// Evidence line when DMI names a cloud but its metadata service did not answer, not even
    /// on the second, longer try: the step is then inconclusive, never "not a cloud VM".
    public static func metadataSilence(dmiName: String, seconds: Double) -> String {
        let tenths = (max(0, seconds) * 10).rounded() / 10
        return "DMI says \(dmiName) but the metadata service did not answer within \(tenths) s"
    }

    /// That line, when this section carries it.
    public var metadataSilence: String? {
        evidence.first { $0.hasPrefix("DMI says ") && $0.contains(" but the metadata service did not answer within ") }
    }
}
