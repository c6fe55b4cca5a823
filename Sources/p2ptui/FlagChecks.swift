import ArgumentParser
import P2PAddress
import P2PProbes
import P2PReport
import P2PSocket

/// Checks of flag values, run in `validate()` before anything else: a bad value is a usage error
/// (exit 2) naming the flag, what was wrong and what a good value looks like. Values are quoted
/// through `UntrustedText` (a pasted value may hold escape codes).
enum FlagCheck {
    /// A value as quoted in a message.
    static func quote(_ value: String) -> String { "'\(UntrustedText.clean(value, limit: 80))'" }

    /// host[:port] (or [v6]:port), parsed by the one parser the probes use.
    @discardableResult
    static func hostPort(_ value: String, flag: String, defaultPort: UInt16) throws -> HostPort {
        switch HostPort.parse(value, defaultPort: defaultPort) {
        case .success(let hp): return hp
        case .failure(let e):
            throw ValidationError("\(flag) \(quote(value)): \(e); write host[:port] (default port \(defaultPort)), "
                                  + "e.g. \(HostPort.examples)")
        }
    }

    /// A UDP port, 1 to 65535 (given as Int so that 0, 70000 and -1 get this message).
    static func port(_ value: Int, flag: String) throws {
        guard (1...65535).contains(value) else {
            throw ValidationError("\(flag) \(value) is not a port: give a number from 1 to 65535")
        }
    }

    /// Seconds in a half-open range (lower bound excluded unless `allowZero`), finite.
    static func seconds(_ value: Double, flag: String, max: Double, allowZero: Bool = false) throws {
        let low = allowZero ? value >= 0 : value > 0
        guard value.isFinite, low, value <= max else {
            let range = allowZero ? "from 0 to \(format(max))" : "more than 0 and at most \(format(max))"
            throw ValidationError("\(flag) \(format(value)) is out of range: give a number of seconds \(range) (e.g. 3 or 0.5)")
        }
    }

    /// A non-negative, finite number.
    static func nonNegative(_ value: Double, flag: String, meaning: String) throws {
        guard value.isFinite, value >= 0 else {
            throw ValidationError("\(flag) \(format(value)) is out of range: give a number from 0 up (\(meaning))")
        }
    }

    /// An http URL whose host is a name or an IP address and whose port is 1 to 65535.
    static func httpURL(_ value: String, flag: String) throws {
        let good = "write http://host[:port][/path], e.g. http://169.254.169.254"
        guard let url = HTTP.URL(value) else {
            throw ValidationError("\(flag) \(quote(value)) is not an http URL (no https, no other scheme); \(good)")
        }
        guard url.port > 0, case .success = HostPort.parse(url.host, defaultPort: url.port) else {
            throw ValidationError("\(flag) \(quote(value)): bad host or port; \(good)")
        }
    }

    /// "3" rather than "3.0".
    static func format(_ v: Double) -> String {
        v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }
}
