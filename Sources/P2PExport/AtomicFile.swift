// Saving a summary or report so that a crash, a full disk or a read-only place never leaves a
// half-written file: write a temporary file in the same directory, fsync it, then rename it over
// the target (rename(2) is atomic within one file system).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a save failed, in words a person can act on.
public enum SaveError: Error, Equatable, CustomStringConvertible {
    /// The target exists and overwriting was not allowed.
    case fileExists(path: String)
    /// The directory to save into does not exist.
    case directoryMissing(directory: String)
    /// The target names a directory, not a file.
    case isDirectory(path: String)
    /// No permission to write there (or the place is read-only).
    case permissionDenied(directory: String)
    /// The file system is mounted read-only.
    case readOnly(directory: String)
    /// No space (or quota) left.
    case diskFull(directory: String)
    /// Anything else: which system call failed and the system's words for it.
    case other(call: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .fileExists(let p):
            return "\(p) already exists; use --force to overwrite it (nothing was written)"
        case .directoryMissing(let d):
            return "the directory \(d) does not exist; create it first or choose another place"
        case .isDirectory(let p):
            return "\(p) is a directory; give a file name"
        case .permissionDenied(let d):
            return "no permission to write in \(d); choose another place (for example your home directory)"
        case .readOnly(let d):
            return "\(d) is on a read-only file system; choose another place"
        case .diskFull(let d):
            return "the disk holding \(d) is full; free some space or choose another place (nothing was written)"
        case .other(let call, let e, let m):
            return "could not save: \(call) failed: \(m) (errno \(e))"
        }
    }
}

public enum AtomicFile {
    /// Writes `bytes` to `path` atomically. With `overwrite` false an existing file is an error and
    /// is left untouched. On any failure the temporary file is removed and the old file (if any) is
    /// kept as it was.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(SaveError) {
        try checkTarget(path, overwrite: overwrite)
        let dir = directory(of: path)
        var st = stat()
        var template = Array(((dir == "/" ? "/" : dir + "/") + "." + baseName(of: path) + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw errnoError(call: "mkstemp", errno: errno, dir: dir, path: path) }
        let tempPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var committed = false
        defer {
            if !committed { unlink(tempPath) }
        }
        do {
            defer { close(fd) }
            // mkstemp creates 0600; a saved summary is an ordinary document.
            _ = fchmod(fd, 0o644)
            try writeAll(fd: fd, bytes: bytes, dir: dir, path: path)
            if fsync(fd) != 0 { throw errnoError(call: "fsync", errno: errno, dir: dir, path: path) }
        }
        if overwrite {
            if rename(tempPath, path) != 0 { throw errnoError(call: "rename", errno: errno, dir: dir, path: path) }
        } else {
            // link(2) fails with EEXIST if the target appeared meanwhile: no race with another writer.
            if link(tempPath, path) != 0 {
                let e = errno
                if e == EEXIST { throw .fileExists(path: path) }
                // File systems without hard links (vfat, some FUSE): check, then rename.
                guard e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EMLINK else {
                    throw errnoError(call: "link", errno: e, dir: dir, path: path)
                }
                if stat(path, &st) == 0 { throw .fileExists(path: path) }
                if rename(tempPath, path) != 0 {
                    throw errnoError(call: "rename", errno: errno, dir: dir, path: path)
                }
            }
        }
        committed = true
        if !overwrite { unlink(tempPath) }  // after link(2) the temp name is a second name; drop it
        // Make the new directory entry durable too (best effort: not all file systems allow it).
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Whether `path` can be saved to, without writing anything: its directory exists, it is not
    /// a directory itself, and without `overwrite` it does not exist yet. A command calls this
    /// before it starts work, so that a bad path is refused before anything runs.
    public static func checkTarget(_ path: String, overwrite: Bool) throws(SaveError) {
        let dir = directory(of: path)
        var st = stat()
        // The directory first: "directory missing" beats a confusing ENOENT from mkstemp.
        if stat(dir, &st) != 0 {
            throw errnoError(call: "stat", errno: errno, dir: dir, path: path)
        }
        if st.st_mode & S_IFMT != S_IFDIR { throw .directoryMissing(directory: dir) }
        if stat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw .isDirectory(path: path) }
            if !overwrite { throw .fileExists(path: path) }
        }
        if access(dir, W_OK) != 0 { throw errnoError(call: "access", errno: errno, dir: dir, path: path) }
    }

    /// Writes every byte, retrying short writes and EINTR.
    private static func writeAll(fd: Int32, bytes: [UInt8], dir: String, path: String) throws(SaveError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                sysWrite(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw errnoError(call: "write", errno: errno, dir: dir, path: path)
            }
            if n == 0 { throw errnoError(call: "write", errno: ENOSPC, dir: dir, path: path) }
            offset += n
        }
    }

    /// Maps an errno to the case a person understands.
    static func errnoError(call: String, errno e: Int32, dir: String, path: String) -> SaveError {
        switch e {
        case ENOENT, ENOTDIR: return .directoryMissing(directory: dir)
        case EACCES, EPERM: return .permissionDenied(directory: dir)
        case EROFS: return .readOnly(directory: dir)
        case ENOSPC, EDQUOT: return .diskFull(directory: dir)
        case EISDIR: return .isDirectory(path: path)
        case EEXIST: return .fileExists(path: path)
        default: return .other(call: call, errno: e, message: String(cString: strerror(e)))
        }
    }

    /// The directory part of `path` ("." for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
