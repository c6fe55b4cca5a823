import Glibc

/// Waits until any of `sockets` is readable; returns indices of readable ones (empty on
/// timeout). A socket with a pending error (POLLERR) counts as readable so the caller's
/// `receive` can surface (and clear) it rather than spin.
public func pollReadable(_ sockets: [UDPSocket], timeout: Double) throws -> [Int] {
    if sockets.isEmpty {
        var none: [pollfd] = []
        _ = try Sys.poll(&none, timeoutSeconds: timeout)
        return []
    }
    for s in sockets where s.isClosed { throw SocketError(call: "poll", code: EBADF) }
    var fds = sockets.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
    guard try Sys.poll(&fds, timeoutSeconds: timeout) > 0 else { return [] }
    let ready = Int32(POLLIN) | Int32(POLLERR) | Int32(POLLHUP)
    if fds.contains(where: { Int32($0.revents) & Int32(POLLNVAL) != 0 }) {
        throw SocketError(call: "poll", code: EBADF)
    }
    return fds.indices.filter { Int32(fds[$0].revents) & ready != 0 }
}
