import Foundation
import Glibc
import P2PAddress
import P2PReport
import P2PSocket
import STUNCodec

/// A minimal HTTP/1.1 client for the few local exchanges the probes make (UPnP IGD description and
/// SOAP, cloud metadata services). Plain http only, one request per connection
/// (`Connection: close`), every step bounded by a deadline. It never follows redirects and never
/// uses a proxy: these addresses are link-local or on the LAN, and a proxy would answer for itself.
public enum HTTP {
    /// "http://host[:port]/path" split into parts.
    public struct URL: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: UInt16
        /// Path and query, starting with "/".
        public var path: String

        public init(host: String, port: UInt16 = 80, path: String = "/") {
            self.host = host
            self.port = port
            self.path = path
        }

        /// Parses an absolute http URL; nil for other schemes or malformed text. IPv6 hosts are
        /// written in brackets.
        public init?(_ text: String) {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // No URL holds control or invisible format characters (RFC 3986 section 2): a LOCATION
            // or controlURL carrying them is refused, never requested or quoted.
            guard t.lowercased().hasPrefix("http://"), UntrustedText.isClean(t), !t.contains(" ") else { return nil }
            let rest = t.dropFirst(7)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash]
            var path = String(rest[slash...])
            if path.isEmpty { path = "/" }
            if let hash = path.firstIndex(of: "#") { path = String(path[..<hash]) }
            // RFC 3986 section 3.2.2: an IPv6 literal is written in brackets.
            guard case .success(let parts) = HostPort.split(authority), !parts.junkAfterBracket,
                  parts.bracketed || !parts.host.contains(":") else { return nil }
            var port: UInt16 = 80
            if let p = parts.port {
                guard let v = HostPort.parsePort(p) else { return nil }
                port = v
            }
            let host = parts.host
            guard !host.isEmpty, !host.contains("@"), !host.contains(" ") else { return nil }
            self.init(host: String(host), port: port, path: path)
        }

        /// Resolves `reference` (absolute, or a path relative to this URL, as found in UPnP
        /// descriptions' controlURL) against this URL.
        public func resolving(_ reference: String) -> URL? {
            let r = reference.trimmingCharacters(in: .whitespacesAndNewlines)
            if r.lowercased().hasPrefix("http://") { return URL(r) }
            if r.contains("://") || r.isEmpty || !UntrustedText.isClean(r) || r.contains(" ") { return nil }
            if r.hasPrefix("/") { return URL(host: host, port: port, path: r) }
            let dir = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
            let base = dir.hasSuffix("/") ? dir : String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)]) + "/"
            return URL(host: host, port: port, path: base + r)
        }

        /// The Host header value.
        var hostHeader: String {
            let h = host.contains(":") ? "[\(host)]" : host
            return port == 80 ? h : "\(h):\(port)"
        }

        public var description: String { "http://\(hostHeader)\(path)" }
    }

    public struct Response: Sendable, Equatable {
        public var status: Int
        /// Header names lowercased, in order.
        public var headers: [(String, String)]
        public var body: [UInt8]

        public init(status: Int, headers: [(String, String)], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public func header(_ name: String) -> String? {
            let n = name.lowercased()
            return headers.first { $0.0 == n }?.1
        }

        public var text: String { String(decoding: body, as: UTF8.self) }

        public static func == (a: Response, b: Response) -> Bool {
            a.status == b.status && a.body == b.body && a.headers.map { $0.0 + ":" + $0.1 } == b.headers.map { $0.0 + ":" + $0.1 }
        }
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case badURL(String)
        case connect(String)
        case timeout
        case malformed(String)

        public var description: String {
            switch self {
            case .badURL(let s): return "bad URL \(s)"
            case .connect(let s): return "connect failed: \(s)"
            case .timeout: return "timed out"
            case .malformed(let s): return "malformed response: \(s)"
            }
        }
    }

    /// The request bytes: request line, Host, the given headers, Content-Length when there is a
    /// body, and Connection: close.
    public static func encodeRequest(method: String, url: URL, headers: [(String, String)], body: [UInt8] = []) -> [UInt8] {
        var text = "\(method) \(url.path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { text += "Content-Length: \(body.count)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8) + body
    }

    /// Index just past the "\r\n\r\n" ending the head, or nil if not yet complete.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// Parses the head (status line and headers) of an HTTP/1.x response or of an SSDP
    /// (HTTPU) message. Returns the status (0 for a request line such as NOTIFY) and headers.
    public static func parseHead(_ head: String) -> (status: Int, headers: [(String, String)])? {
        // Split on bytes: in Swift "\r\n" is one Character, so a Character split on "\n" misses it.
        let lines = head.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0[...], as: UTF8.self) }
        guard let first = lines.first, first.hasPrefix("HTTP/") else { return nil }
        let parts = first.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]), (100...999).contains(status) else { return nil }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((name, value))
        }
        return (status, headers)
    }

    /// Decodes a complete response (the connection has closed, or enough bytes arrived).
    /// `complete` tells whether the peer closed: without Content-Length or chunking the body runs
    /// to the close. Returns nil while more bytes are needed; throws on malformed input.
    public static func decodeResponse(_ bytes: [UInt8], complete: Bool) throws(Failure) -> Response? {
        guard let end = headEnd(bytes) else {
            if complete { throw .malformed(bytes.isEmpty ? "empty" : "no end of headers") }
            return nil
        }
        guard let (status, headers) = parseHead(String(decoding: bytes[0..<end], as: UTF8.self)) else {
            throw .malformed("bad status line")
        }
        let rest = Array(bytes[end...])
        let lookup = { (n: String) in headers.first { $0.0 == n }?.1 }
        if let te = lookup("transfer-encoding"), te.lowercased().contains("chunked") {
            switch decodeChunked(rest) {
            case .done(let body): return Response(status: status, headers: headers, body: body)
            case .needMore: if complete { throw .malformed("truncated chunked body") }; return nil
            case .bad: throw .malformed("bad chunk")
            }
        }
        if let cl = lookup("content-length") {
            guard let n = Int(cl), n >= 0 else { throw .malformed("bad Content-Length") }
            if rest.count >= n { return Response(status: status, headers: headers, body: Array(rest.prefix(n))) }
            if complete { throw .malformed("truncated body") }
            return nil
        }
        if status == 204 || status == 304 || (100..<200).contains(status) {
            return Response(status: status, headers: headers, body: [])
        }
        return complete ? Response(status: status, headers: headers, body: rest) : nil
    }

    enum Chunked { case done([UInt8]), needMore, bad }

    static func decodeChunked(_ bytes: [UInt8]) -> Chunked {
        var body: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = (i..<max(i, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else {
                return .needMore
            }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0, size < 1 << 24 else { return .bad }
            i = lineEnd + 2
            if size == 0 { return .done(body) }
            guard bytes.count >= i + size + 2 else { return .needMore }
            body += bytes[i..<(i + size)]
            i += size + 2
        }
    }

    /// Sends one request and reads the response, all before `deadline`. Blocking: run it through
    /// `blocking {}`. Bodies are capped at 1 MiB.
    public static func fetch(method: String = "GET", url: URL, headers: [(String, String)] = [], body: [UInt8] = [],
                             deadline: Deadline) throws(Failure) -> Response {
        let address: TransportAddress
        if let ip = IPAddress(url.host) {
            address = TransportAddress(ip, url.port)
        } else {
            guard let a = try? resolve("\(url.host):\(url.port)", defaultPort: url.port).first else {
                throw .connect("cannot resolve \(url.host)")
            }
            address = a
        }
        let stream: TCPStream
        do {
            stream = try TCPStream.connect(to: address, deadline: deadline)
        } catch let e as SocketError {
            if e.code == ETIMEDOUT { throw .timeout }
            throw .connect(e.description)
        } catch {
            throw .connect("\(error)")
        }
        defer { stream.close() }
        var received: [UInt8] = []
        do {
            try stream.write(encodeRequest(method: method, url: url, headers: headers, body: body), deadline: deadline)
            while true {
                let chunk = try stream.read(deadline: deadline)
                if chunk.isEmpty { break }
                received += chunk
                if received.count > 1 << 20 { throw Failure.malformed("response larger than 1 MiB") }
                if let r = try decodeResponse(received, complete: false) { return r }
            }
        } catch let e as Failure {
            throw e
        } catch let e as SocketError {
            if e.code == ETIMEDOUT { throw .timeout }
            throw .connect(e.description)
        } catch {
            throw .connect("\(error)")
        }
        guard let r = try decodeResponse(received, complete: true) else { throw .malformed("incomplete") }
        return r
    }
}
