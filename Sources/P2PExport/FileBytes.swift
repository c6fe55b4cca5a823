// Reading a whole (small) file with a reason a person understands when it fails.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be read, with the system's words for why.
public struct FileReadError: Error, Equatable {
    public var reason: String
}

public enum FileBytes {
    /// The whole file at `path`, refusing directories and files larger than `limit`.
    public static func read(path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileReadError(reason: message(errno)) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR {
            throw FileReadError(reason: "it is a directory")
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { sysRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadError(reason: message(errno))
            }
            if n == 0 { break }
            out += buf[0..<n]
            if out.count > limit { throw FileReadError(reason: "the file is too large to be a report") }
        }
        return out
    }

    private static func message(_ e: Int32) -> String {
        switch e {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "it is a directory"
        default: return String(cString: strerror(e)).lowercased()
        }
    }
}
