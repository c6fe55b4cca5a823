import Foundation
import P2PServer
import P2PSocket
import STUNCodec
import Synchronization

/// Test fixtures live in Tests/Fixtures (outside any target, so no resource declaration).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func bytes(_ path: String) -> [UInt8] {
        Array((try? Data(contentsOf: root.appendingPathComponent(path))) ?? Data())
    }

    static func path(_ p: String) -> String { root.appendingPathComponent(p).path }
}

/// One request as the fake HTTP server saw it.
struct SeenRequest: Sendable {
    var method: String
    var path: String
    var headers: [String: String]
    var body: [UInt8]
}

/// A tiny HTTP/1.1 server on loopback for tests (fake metadata services and IGD descriptions):
/// one thread, one request per connection, answers from `handler`. The first `silentConnections`
/// connections are accepted and held open but never read nor answered (a metadata service that
/// did not answer in time, as a starved or overloaded one looks to the client).
final class FakeHTTPServer: Sendable {
    typealias Handler = @Sendable (SeenRequest) -> (status: Int, headers: [(String, String)], body: String)
    let listener: TCPListener
    let port: UInt16
    private let stopped = Atomic<Bool>(false)
    private let log = Mutex<[SeenRequest]>([])
    private let accepted = Atomic<Int>(0)

    init(handler: @escaping Handler, silentConnections: Int = 0) throws {
        let l = try TCPListener(bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        listener = l
        port = try l.localAddress()!.port
        let box = ServerBox()
        box.handler = handler
        box.server = self
        box.silent = silentConnections
        Thread { box.loop() }.start()
    }

    var requests: [SeenRequest] { log.withLock { $0 } }
    /// Connections accepted so far, the silent ones included.
    var connections: Int { accepted.load(ordering: .acquiring) }
    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    func stop() { stopped.store(true, ordering: .releasing) }

    func record(_ r: SeenRequest) { log.withLock { $0.append(r) } }

    final class ServerBox: @unchecked Sendable {
        weak var server: FakeHTTPServer?
        var handler: Handler?
        var silent = 0

        func loop() {
            var held: [TCPStream] = []
            defer { held.forEach { $0.close() } }
            while let s = server, !s.isStopped {
                guard let conn = try? s.listener.accept(timeout: 0.05) else { continue }
                s.accepted.add(1, ordering: .releasing)
                if held.count < silent { held.append(conn); continue }
                serve(conn, s)
            }
        }

        func serve(_ conn: TCPStream, _ s: FakeHTTPServer) {
            defer { conn.close() }
            // A hang guard only: the request is on its way already; a starved runner may be slow to read it.
            let deadline = Deadline.after(seconds: 30)
            var buf: [UInt8] = []
            var headEnd: Int?
            while headEnd == nil {
                guard let chunk = try? conn.read(deadline: deadline), !chunk.isEmpty else { return }
                buf += chunk
                headEnd = Self.find(buf)
            }
            let head = String(decoding: buf[..<headEnd!], as: UTF8.self)
            let lines = head.components(separatedBy: "\r\n")
            let first = lines[0].split(separator: " ")
            guard first.count >= 2 else { return }
            var headers: [String: String] = [:]
            for l in lines.dropFirst() {
                guard let c = l.firstIndex(of: ":") else { continue }
                headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            var body = Array(buf[headEnd!...])
            while body.count < length {
                guard let chunk = try? conn.read(deadline: deadline), !chunk.isEmpty else { break }
                body += chunk
            }
            let req = SeenRequest(method: String(first[0]), path: String(first[1]), headers: headers, body: body)
            s.record(req)
            let (status, extra, text) = handler!(req)
            var out = "HTTP/1.1 \(status) X\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n"
            for (k, v) in extra { out += "\(k): \(v)\r\n" }
            out += "\r\n" + text
            try? conn.write(Array(out.utf8), deadline: deadline)
        }

        static func find(_ b: [UInt8]) -> Int? {
            guard b.count >= 4 else { return nil }
            for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i + 4 }
            return nil
        }
    }
}

/// A UDP responder on loopback: answers each datagram with `handler`'s bytes (nil: no answer).
final class FakeUDPResponder: Sendable {
    let socket: UDPSocket
    let port: UInt16

    init(handler: @escaping @Sendable ([UInt8], TransportAddress) -> [UInt8]?) throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        socket = s
        port = try s.localAddress().port
        Thread {
            while !s.isClosed {
                guard let d = try? s.receive(timeout: 0.05) else { if s.isClosed { return }; continue }
                if let reply = handler(d.bytes, d.source) { try? s.send(reply, to: d.source) }
            }
        }.start()
    }

    func stop() { socket.close() }
}

/// The project's own STUN server as a plain binding server on loopback, run on a thread.
final class LoopbackSTUN: Sendable {
    let server: STUNServer
    let address: TransportAddress

    /// A plain binding server (one address: no OTHER-ADDRESS, CHANGE-REQUEST refused with 420) at
    /// `address`; port 0 picks a free one.
    init(address requested: TransportAddress = TransportAddress(.v4(127, 0, 0, 1), 0)) throws {
        server = try STUNServer(addresses: ServerAddresses(primary: requested.ip, alternate: nil, port: requested.port))
        address = server.boundAddresses[0]
        let s = server
        Thread { s.run() }.start()
    }

    var name: String { address.description }
    var port: UInt16 { address.port }

    func stop() { server.stop() }
}
