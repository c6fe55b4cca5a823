import Glibc

/// Every system call used by P2PSocket goes through here (in the style of swift-nio's
/// System.swift): EINTR is retried, and a failure becomes a `SocketError` naming the call.
public enum Sys {
    /// Runs `body` until it does not fail with EINTR. A result of -1 is a failure: errno is read
    /// at once and thrown as `SocketError(call:code:)`.
    @inline(__always)
    public static func retrying<T: FixedWidthInteger>(_ call: String, _ body: () -> T) throws -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = errno
            if e == EINTR { continue }
            throw SocketError(call: call, code: e)
        }
    }

    /// Like `retrying`, but returns nil when the call would block (EAGAIN/EWOULDBLOCK).
    @inline(__always)
    public static func retryingNonBlocking<T: FixedWidthInteger>(_ call: String, _ body: () -> T) throws -> T? {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw SocketError(call: call, code: e)
        }
    }

    static func socket(domain: Int32, type: Int32, protocol proto: Int32) throws -> Int32 {
        try retrying("socket") { Glibc.socket(domain, type, proto) }
    }

    static func setsockopt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, call: String = "setsockopt") throws {
        var v = value
        _ = try retrying(call) {
            Glibc.setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    static func getsockoptInt(_ fd: Int32, _ level: Int32, _ name: Int32, call: String = "getsockopt") throws -> Int32 {
        var v: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying(call) { Glibc.getsockopt(fd, level, name, &v, &len) }
        return v
    }

    static func bind(_ fd: Int32, _ address: TransportAddressStorage) throws {
        _ = try address.withSockAddr { sa, len in try retrying("bind") { Glibc.bind(fd, sa, len) } }
    }

    static func connect(_ fd: Int32, _ address: TransportAddressStorage) throws {
        _ = try address.withSockAddr { sa, len in try retrying("connect") { Glibc.connect(fd, sa, len) } }
    }

    static func getsockname(_ fd: Int32) throws -> TransportAddressStorage {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try retrying("getsockname") { Glibc.getsockname(fd, sa, &len) }
            }
        }
        return TransportAddressStorage(storage: storage)
    }

    /// sendto (or send when `to` is nil); nil when the socket buffer is full (EAGAIN).
    static func sendto(_ fd: Int32, _ bytes: [UInt8], to address: TransportAddressStorage?) throws -> Int? {
        try bytes.withUnsafeBytes { buf in
            if let address {
                return try address.withSockAddr { sa, len in
                    try retryingNonBlocking("sendto") { Glibc.sendto(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), sa, len) }
                }
            }
            return try retryingNonBlocking("send") { Glibc.send(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// recvfrom without blocking; nil when nothing is queued.
    static func recvfrom(_ fd: Int32, into buffer: inout [UInt8]) throws -> (Int, TransportAddressStorage)? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n: Int? = try buffer.withUnsafeMutableBytes { buf in
            try withUnsafeMutablePointer(to: &storage) { p in
                try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    try retryingNonBlocking("recvfrom") {
                        Glibc.recvfrom(fd, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT), sa, &len)
                    }
                }
            }
        }
        guard let n else { return nil }
        return (n, TransportAddressStorage(storage: storage))
    }

    /// poll(2) with EINTR retried against the original timeout (the remaining time is recomputed).
    static func poll(_ fds: inout [pollfd], timeoutSeconds: Double) throws -> Int32 {
        let deadline = Deadline.after(seconds: timeoutSeconds)
        while true {
            let ms = millis(deadline.remainingSeconds())
            let r = fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), ms) }
            if r >= 0 { return r }
            let e = errno
            if e == EINTR { continue }
            throw SocketError(call: "poll", code: e)
        }
    }

    /// close(2). Never retried: on Linux the descriptor is released even when close reports EINTR.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func shutdown(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Seconds to poll's milliseconds, rounding up so a short wait is not turned into a spin.
    static func millis(_ seconds: Double) -> Int32 {
        if seconds <= 0 { return 0 }
        let ms = (seconds * 1000).rounded(.up)
        return ms >= Double(Int32.max) ? Int32.max : Int32(ms)
    }
}
