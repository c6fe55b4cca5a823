import Glibc
import STUNCodec

/// A blocking-with-deadline TCP connection, just enough for the small HTTP exchanges of the
/// gateway (UPnP IGD description and SOAP) and cloud metadata probes. Every wait is bounded by a
/// deadline; callers run it off the cooperative pool.
public final class TCPStream: @unchecked Sendable {
    private let fd: Int32
    private var closed = false

    init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Connects to `destination` before `deadline` (non-blocking connect, then poll for POLLOUT and
    /// read SO_ERROR). Throws ETIMEDOUT at the deadline, ECONNREFUSED etc. as the kernel reports.
    public static func connect(to destination: TransportAddress, deadline: Deadline) throws -> TCPStream {
        let family: AddressFamily = AddressFamily(of: destination.ip)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try Sys.socket(domain: family.domain, type: type, protocol: Int32(IPPROTO_TCP))
        let stream = TCPStream(fd: fd)
        do {
            try Sys.connect(fd, TransportAddressStorage(destination))
        } catch let e as SocketError where e.code == EINPROGRESS {
            try stream.wait(for: Int16(POLLOUT), deadline: deadline, call: "connect")
            let err = try Sys.getsockoptInt(fd, SOL_SOCKET, SO_ERROR, call: "getsockopt(SO_ERROR)")
            if err != 0 { throw SocketError(call: "connect", code: err) }
        }
        return stream
    }

    /// Wraps an accepted, non-blocking descriptor.
    static func adopt(_ fd: Int32) -> TCPStream { TCPStream(fd: fd) }

    private func wait(for events: Int16, deadline: Deadline, call: String) throws {
        while true {
            let remaining = deadline.remainingSeconds()
            if remaining <= 0 { throw SocketError(call: call, code: ETIMEDOUT) }
            var pfd = [pollfd(fd: fd, events: events, revents: 0)]
            if try Sys.poll(&pfd, timeoutSeconds: remaining) > 0 { return }
        }
    }

    /// Writes all of `bytes` before `deadline`.
    public func write(_ bytes: [UInt8], deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            let n = try bytes.withUnsafeBytes { buf in
                try Sys.retryingNonBlocking("send") {
                    Glibc.send(fd, buf.baseAddress! + offset, buf.count - offset, Int32(MSG_NOSIGNAL))
                }
            }
            if let n { offset += n; continue }
            try wait(for: Int16(POLLOUT), deadline: deadline, call: "send")
        }
    }

    /// Reads whatever is available (up to `max` bytes), waiting until `deadline`; an empty array
    /// means the peer closed the connection.
    public func read(max: Int = 65_536, deadline: Deadline) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = try buffer.withUnsafeMutableBytes { buf in
                try Sys.retryingNonBlocking("recv") { Glibc.recv(fd, buf.baseAddress, buf.count, 0) }
            }
            if let n { return Array(buffer[0..<n]) }
            try wait(for: Int16(POLLIN), deadline: deadline, call: "recv")
        }
    }

    /// The local address of the connection (getsockname).
    public func localAddress() throws -> TransportAddress? { try Sys.getsockname(fd).transportAddress }

    public func close() {
        if closed { return }
        closed = true
        Sys.close(fd)
    }
}

/// A listening TCP socket, for test servers (fake metadata services, IGD descriptions).
public final class TCPListener: @unchecked Sendable {
    private let fd: Int32

    /// Binds and listens on `address` (port 0 picks one; see `localAddress()`).
    public init(bindTo address: TransportAddress) throws {
        let family = AddressFamily(of: address.ip)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try Sys.socket(domain: family.domain, type: type, protocol: Int32(IPPROTO_TCP))
        do {
            try Sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try Sys.bind(fd, TransportAddressStorage(address))
            _ = try Sys.retrying("listen") { Glibc.listen(fd, 16) }
        } catch {
            Sys.close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { Sys.close(fd) }

    public func localAddress() throws -> TransportAddress? { try Sys.getsockname(fd).transportAddress }

    /// Waits up to `timeout` seconds for a connection; nil on timeout.
    public func accept(timeout: Double) throws -> TCPStream? {
        let deadline = Deadline.after(seconds: timeout)
        while true {
            if let c = try Sys.retryingNonBlocking("accept", { Glibc.accept(fd, nil, nil) }) {
                // Accepted sockets do not inherit O_NONBLOCK on Linux.
                _ = Glibc.fcntl(c, F_SETFL, Glibc.fcntl(c, F_GETFL) | O_NONBLOCK)
                _ = Glibc.fcntl(c, F_SETFD, FD_CLOEXEC)
                return TCPStream.adopt(c)
            }
            let remaining = deadline.remainingSeconds()
            if remaining <= 0 { return nil }
            var pfd = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            _ = try Sys.poll(&pfd, timeoutSeconds: min(remaining, 0.05))
        }
    }
}
