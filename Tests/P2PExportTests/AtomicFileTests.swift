import Foundation
@testable import P2PExport
import Testing

@Suite struct AtomicFileTests {
    static func read(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func writesANewFileAndLeavesNoTemporary() throws {
        let dir = try TempDir()
        let path = dir.path + "/summary.txt"
        try AtomicFile.write(Array("hello\n".utf8), to: path, overwrite: false)
        #expect(Self.read(path) == "hello\n")
        #expect(dir.entries() == ["summary.txt"])
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o644)
    }

    @Test func largeContentIsWrittenWhole() throws {
        let dir = try TempDir()
        let path = dir.path + "/big.json"
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: path, overwrite: false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    }

    @Test func existingFileIsNotOverwrittenWithoutForce() throws {
        let dir = try TempDir()
        let path = dir.path + "/report.json"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SaveError.fileExists(path: path)) {
            try AtomicFile.write(Array("new".utf8), to: path, overwrite: false)
        }
        #expect(Self.read(path) == "old")
        #expect(dir.entries() == ["report.json"])
        #expect("\(SaveError.fileExists(path: path))".contains("--force"))
        // With --force it is replaced.
        try AtomicFile.write(Array("new".utf8), to: path, overwrite: true)
        #expect(Self.read(path) == "new")
        #expect(dir.entries() == ["report.json"])
    }

    @Test func missingDirectory() throws {
        let dir = try TempDir()
        let path = dir.path + "/no/such/dir/x.txt"
        #expect(throws: SaveError.directoryMissing(directory: dir.path + "/no/such/dir")) {
            try AtomicFile.write([1], to: path, overwrite: true)
        }
        #expect(dir.entries().isEmpty)
    }

    @Test func targetIsADirectory() throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: false)
        #expect(throws: SaveError.isDirectory(path: dir.path + "/sub")) {
            try AtomicFile.write([1], to: dir.path + "/sub", overwrite: true)
        }
    }

    @Test func errnoBecomesAPlainReason() {
        #expect(AtomicFile.errnoError(call: "write", errno: ENOSPC, dir: "/d", path: "/d/f") == .diskFull(directory: "/d"))
        #expect(AtomicFile.errnoError(call: "write", errno: EDQUOT, dir: "/d", path: "/d/f") == .diskFull(directory: "/d"))
        #expect(AtomicFile.errnoError(call: "mkstemp", errno: EROFS, dir: "/d", path: "/d/f") == .readOnly(directory: "/d"))
        #expect(AtomicFile.errnoError(call: "mkstemp", errno: EACCES, dir: "/d", path: "/d/f") == .permissionDenied(directory: "/d"))
        #expect("\(AtomicFile.errnoError(call: "fsync", errno: EIO, dir: "/d", path: "/d/f"))".contains("fsync failed"))
        #expect(AtomicFile.directory(of: "x.txt") == ".")
        #expect(AtomicFile.directory(of: "/x.txt") == "/")
        #expect(AtomicFile.directory(of: "a/b/x.txt") == "a/b")
    }

    @Test func relativePathInCurrentDirectoryWorks() throws {
        let dir = try TempDir()
        let old = FileManager.default.currentDirectoryPath
        // Other tests do not depend on the working directory, so a brief change is harmless.
        #expect(FileManager.default.changeCurrentDirectoryPath(dir.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(old) }
        try AtomicFile.write(Array("x".utf8), to: "rel.txt", overwrite: false)
        #expect(Self.read(dir.path + "/rel.txt") == "x")
    }
}
