import CP2PShim
import Glibc
import STUNCodec
import Synchronization

/// One received UDP datagram and who sent it.
public struct Datagram: Sendable, Equatable {
    public var bytes: [UInt8]
    public var source: TransportAddress

    public init(bytes: [UInt8], source: TransportAddress) {
        self.bytes = bytes
        self.source = source
    }
}

/// A non-blocking, close-on-exec UDP socket (IPv4 or IPv6-only).
///
/// The descriptor never changes. `close()` is idempotent and safe from any thread: an operation
/// in progress keeps the descriptor alive (it is released by the last user, so a concurrent
/// close can never make a waiter poll a reused descriptor number), and a waiting receive is woken
/// by `shutdown(2)` and throws EBADF.
public final class UDPSocket: @unchecked Sendable {
    public let family: AddressFamily
    private let fd: Int32
    private let state = Mutex(State())

    private struct State {
        var closed = false
        var users = 0
        var released = false
        /// Error-queue reports dequeued by `receive` (MSG_PEEK does not work on the error
        /// queue: ip_recv_error always dequeues), handed out first by `readErrorQueue`.
        var stashedReports: [ICMPErrorReport] = []
    }

    /// Largest UDP payload over IPv6 jumbograms aside; enough for any datagram we can receive.
    static let receiveBufferSize = 65_536

    /// Creates the socket and binds it: to `bindTo`, or (nil) to the wildcard address with an
    /// ephemeral port, so `localAddress()` has a port from the start.
    public init(family: AddressFamily, bindTo: TransportAddress? = nil) throws {
        self.family = family
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try Sys.socket(domain: family.domain, type: type, protocol: Int32(IPPROTO_UDP))
        do {
            if family == .ipv6 {
                // IPv6-only: a v6 socket must not silently carry IPv4 through mapped addresses.
                try Sys.setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, call: "setsockopt(IPV6_V6ONLY)")
            }
            let local = bindTo ?? TransportAddress(family.anyAddress, 0)
            guard AddressFamily(of: local.ip) == family else {
                throw SocketError(call: "bind", code: EAFNOSUPPORT)
            }
            try Sys.bind(fd, TransportAddressStorage(local))
        } catch {
            Sys.close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit {
        // No other reference exists, so no operation can be running.
        let open = state.withLock { s in
            defer { s.closed = true; s.released = true }
            return !s.released
        }
        if open { Sys.close(fd) }
    }

    public var fileDescriptor: Int32 { fd }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Closes the socket. Idempotent; wakes any thread waiting in `receive`.
    public func close() {
        let (wake, closeNow) = state.withLock { s -> (Bool, Bool) in
            if s.closed { return (false, false) }
            s.closed = true
            if s.users == 0 {
                s.released = true
                return (false, true)
            }
            return (true, false)
        }
        // shutdown wakes pollers even on an unconnected UDP socket (inet_shutdown wakes on TCP_CLOSE).
        if wake { Sys.shutdown(fd) }
        if closeNow { Sys.close(fd) }
    }

    /// Runs `body` with the descriptor held open; throws EBADF (named `call`) once closed.
    func withFD<R>(_ call: String, _ body: (Int32) throws -> R) throws -> R {
        try state.withLock { s throws(SocketError) in
            if s.closed { throw SocketError(call: call, code: EBADF) }
            s.users += 1
        }
        defer {
            let closeNow = state.withLock { s -> Bool in
                s.users -= 1
                if s.closed && s.users == 0 && !s.released {
                    s.released = true
                    return true
                }
                return false
            }
            if closeNow { Sys.close(fd) }
        }
        return try body(fd)
    }

    /// The bound local address (getsockname).
    public func localAddress() throws -> TransportAddress {
        try withFD("getsockname") { fd in
            guard let a = try Sys.getsockname(fd).transportAddress else {
                throw SocketError(call: "getsockname", code: EAFNOSUPPORT)
            }
            return a
        }
    }

    /// Sends one datagram (sendto). A full socket buffer (EAGAIN) is waited out for up to a
    /// second via poll(POLLOUT); other errors (ENETUNREACH, EPERM from a firewall, a pending
    /// ECONNREFUSED...) are thrown.
    public func send(_ bytes: [UInt8], to destination: TransportAddress) throws {
        try withFD("sendto") { fd in try sendLoop(fd, bytes, TransportAddressStorage(destination)) }
    }

    /// Fixes the peer (UDP connect: no packet is sent). Afterwards ICMP port-unreachable
    /// answers surface as ECONNREFUSED on send/receive, and only the peer's datagrams arrive.
    public func connect(to destination: TransportAddress) throws {
        try withFD("connect") { fd in try Sys.connect(fd, TransportAddressStorage(destination)) }
    }

    /// Sends one datagram to the connected peer (send).
    public func sendConnected(_ bytes: [UInt8]) throws {
        try withFD("send") { fd in try sendLoop(fd, bytes, nil) }
    }

    private func sendLoop(_ fd: Int32, _ bytes: [UInt8], _ destination: TransportAddressStorage?) throws {
        let deadline = Deadline.after(seconds: 1)
        while true {
            if try Sys.sendto(fd, bytes, to: destination) != nil { return }  // UDP: all or nothing
            let remaining = deadline.remainingSeconds()
            if remaining <= 0 { throw SocketError(call: destination == nil ? "send" : "sendto", code: EAGAIN) }
            var pfd = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)]
            _ = try Sys.poll(&pfd, timeoutSeconds: remaining)
            if isClosed { throw SocketError(call: destination == nil ? "send" : "sendto", code: EBADF) }
        }
    }

    /// Blocks up to `timeout` seconds; nil on timeout. Errors such as ECONNREFUSED (ICMP from an
    /// earlier send) are thrown as SocketError. With `enableErrorQueue()`, an ICMP error surfaces
    /// here first as the socket error (call "recvfrom"); if the queue still holds reports after
    /// that, receive throws `SocketError(call: "errqueue", code: <its errno>)` until
    /// `readErrorQueue()` drains it (otherwise poll would report POLLERR forever).
    public func receive(timeout: Double) throws -> Datagram? {
        let clock = SystemClock()
        let deadline = Deadline.after(seconds: timeout, clock: clock)
        return try withFD("recvfrom") { fd in
            try receiveLoop(fd, deadline: deadline, clock: clock, slice: nil, shouldStop: { false })
        }
    }

    /// One non-blocking read into the caller's buffer; nil when nothing is queued. A server's hot
    /// loop keeps one buffer across reads instead of allocating and zeroing 64 KiB per datagram
    /// (which was most of `serve`'s instructions per answer). A buffer shorter than any datagram
    /// can be is grown first, so nothing is ever truncated.
    public func receiveNow(into buffer: inout [UInt8]) throws -> Datagram? {
        if buffer.count < Self.receiveBufferSize { buffer = [UInt8](repeating: 0, count: Self.receiveBufferSize) }
        return try withFD("recvfrom") { fd in try readOne(fd, &buffer) }
    }

    /// The wait behind both receive forms. `slice` bounds each poll so `shouldStop` and the
    /// (possibly injected) clock are consulted regularly.
    func receiveLoop(_ fd: Int32, deadline: Deadline, clock: some MonotonicClock, slice: Double?,
                     shouldStop: () -> Bool) throws -> Datagram? {
        var buffer = [UInt8](repeating: 0, count: Self.receiveBufferSize)
        while true {
            if isClosed { throw SocketError(call: "recvfrom", code: EBADF) }
            if shouldStop() { throw CancellationError() }
            if let d = try readOne(fd, &buffer) { return d }
            let remaining = deadline.remainingSeconds(clock: clock)
            if remaining <= 0 { return nil }
            var pfd = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            let wait = slice.map { min($0, remaining) } ?? remaining
            guard try Sys.poll(&pfd, timeoutSeconds: wait) > 0 else { continue }
            let revents = Int32(pfd[0].revents)
            if revents & Int32(POLLNVAL) != 0 { throw SocketError(call: "poll", code: EBADF) }
            if revents & Int32(POLLERR) != 0 && revents & Int32(POLLIN) == 0 && !isClosed {
                // A pending socket error is returned by recvfrom itself.
                if let d = try readOne(fd, &buffer) { return d }
                // Nothing to read and no socket error: the error queue holds ICMP reports.
                if let e = try stashErrorQueueEntry(fd) { throw e }
            }
        }
    }

    /// One non-blocking recvfrom; nil when nothing is queued.
    private func readOne(_ fd: Int32, _ buffer: inout [UInt8]) throws -> Datagram? {
        guard let (n, from) = try Sys.recvfrom(fd, into: &buffer) else { return nil }
        guard let source = from.transportAddress else {
            // No sender: the zero-length read of a socket shut down by close().
            if isClosed { throw SocketError(call: "recvfrom", code: EBADF) }
            return nil
        }
        return Datagram(bytes: Array(buffer[0..<n]), source: source)
    }

    /// Moves one error-queue report into the stash and returns it as an error, so a waiting
    /// receive neither spins on POLLERR nor loses the report.
    private func stashErrorQueueEntry(_ fd: Int32) throws -> SocketError? {
        guard let report = try Self.dequeueErrorReport(fd) else { return nil }
        state.withLock { $0.stashedReports.append(report) }
        return SocketError(call: "errqueue", code: report.errno)
    }

    /// Takes the oldest report `receive` stashed, if any.
    func takeStashedReport() -> ICMPErrorReport? {
        state.withLock { s in s.stashedReports.isEmpty ? nil : s.stashedReports.removeFirst() }
    }

    /// One recvmsg(MSG_ERRQUEUE); nil when the queue is empty. Entries without a
    /// sock_extended_err (not produced for plain UDP) are skipped.
    static func dequeueErrorReport(_ fd: Int32) throws -> ICMPErrorReport? {
        var raw = cp2p_err_report()
        while true {
            guard let r = try Sys.retryingNonBlocking("recvmsg(MSG_ERRQUEUE)", { cp2p_recv_errqueue(fd, &raw) })
            else { return nil }
            if r == 1 { return ICMPErrorReport(raw) }
        }
    }
}
