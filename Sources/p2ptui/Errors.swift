import ArgumentParser
import Foundation
import P2PExport
import P2PReport
import P2PSocket

/// Exit statuses, documented in the README.
enum ExitStatus {
    /// Nothing found stands in the way of a direct connection.
    static let ok: Int32 = 0
    /// A finding stands in the way (see the verdict's reasons).
    static let finding: Int32 = 1
    /// Usage error (bad flags, bad input file).
    static let usage: Int32 = 2
    /// The checks could not run or could not decide.
    static let couldNotRun: Int32 = 3
    /// `check` ran and printed its report, but saving it to `--output FILE` failed.
    static let saveFailed: Int32 = 4
}

/// Every error a person may see, mapped to one plain message and an exit status, in one place.
struct UserError: Error, CustomStringConvertible {
    var message: String
    var status: Int32

    var description: String { message }

    init(_ message: String, status: Int32 = ExitStatus.usage) {
        self.message = message
        self.status = status
    }

    /// Converts anything thrown below the CLI into a message a person understands.
    static func from(_ error: Error) -> UserError {
        switch error {
        case let e as UserError:
            return e
        case let e as SocketError:
            switch e.code {
            case EADDRINUSE: return UserError("\(e.call): that address and port are already in use by another program", status: ExitStatus.couldNotRun)
            case EADDRNOTAVAIL: return UserError("\(e.call): that address is not configured on any interface of this machine", status: ExitStatus.couldNotRun)
            case EACCES, EPERM: return UserError("\(e.call): permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)", status: ExitStatus.couldNotRun)
            default: return UserError(e.description, status: ExitStatus.couldNotRun)
            }
        case let e as SaveError:
            return UserError(e.description, status: ExitStatus.couldNotRun)
        case let e as ReportLoadError:
            return UserError(e.description, status: ExitStatus.usage)
        case let e as ResolveError:
            return UserError(e.description, status: ExitStatus.usage)
        default:
            return UserError("\(error)", status: ExitStatus.couldNotRun)
        }
    }
}

/// Prints a user error to stderr and exits with its status.
func fail(_ error: Error) -> Never {
    let e = UserError.from(error)
    // Messages quote file names and values a person typed: cleaned, line by line.
    let message = UntrustedText.cleanLines(e.message, limit: 4000).joined(separator: "\n")
    FileHandle.standardError.write(Data("p2ptui: \(message)\n".utf8))
    exit(e.status)
}
