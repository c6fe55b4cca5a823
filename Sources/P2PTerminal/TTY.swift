// Telling a quiet terminal from a dead one. curses' wget_wch returns ERR both when no key came
// within its timeout and when read(2) hit end of file or an error, so a loop around it cannot tell
// a closed window from an idle one and, on a hung-up terminal, spins at full speed. poll(2) can:
// a hung-up tty reports POLLHUP/POLLERR (and reads end of file at once, forever); a closed
// descriptor reports POLLNVAL.
import Glibc

enum TTY {
    enum Wait: Equatable {
        /// Input is waiting (or a read would not block).
        case readable
        /// Nothing within the timeout.
        case idle
        /// A signal arrived while waiting (the caller checks its flags).
        case interrupted
        /// The terminal hung up, failed, or its descriptor is closed.
        case hungUp
    }

    /// Waits up to `timeoutMs` for input on stdin.
    static func waitReadable(timeoutMs: Int32) -> Wait {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)]
        let n = poll(&fds, nfds_t(fds.count), timeoutMs)
        if n < 0 {
            if errno == EINTR { return .interrupted }
            // EFAULT/EINVAL/ENOMEM: not the terminal's fault, but never retry at once.
            usleep(useconds_t(max(timeoutMs, 1)) * 1000)
            return .idle
        }
        if n == 0 { return .idle }
        let dead = Int16(POLLHUP | POLLERR | POLLNVAL)
        if fds.contains(where: { $0.revents & dead != 0 }) { return .hungUp }
        return fds[0].revents & Int16(POLLIN) != 0 ? .readable : .idle
    }

    /// Whether stdout (where curses draws) is already gone (no wait).
    static func outputGone() -> Bool {
        var fds = [pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)]
        guard poll(&fds, 1, 0) > 0 else { return false }
        return fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }
}
