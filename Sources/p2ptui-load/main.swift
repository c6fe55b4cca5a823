// p2ptui-load: the load generator behind `scripts/bench throughput` and `scripts/bench flood`.
//
// One thread, non-blocking UDP sockets, plain syscalls with preallocated buffers, so the generator
// costs less per request than any server it measures. Two modes:
//   requests (default): each socket keeps --window Binding requests in flight and counts valid
//                       answers (success class, matching transaction ID, a mapped address that is
//                       the socket's own); unanswered requests are written off after --timeout.
//                       With --count N it sends exactly N requests, then ends once each is answered
//                       or written off (--duration still caps the run).
//   --flood KIND:       fire-and-forget malformed or spoofed packets as fast as possible.
// It prints one JSON object on stdout. Benchmarks only: run it in a namespace that holds nothing
// but `lo` or in the NAT lab (it sends only to --server, and binds only loopback or wildcard).
import Glibc
import STUNCodec

struct Options {
    var server = TransportAddress(.v4(127, 0, 0, 1), 3478)
    var duration = 5.0
    var sockets = 4
    var window = 16
    var timeout = 0.2
    /// Total request rate cap (requests/s); 0 = as fast as answers come back.
    var rate = 0.0
    /// Requests mode: send exactly this many requests in total (0: as many as --duration allows).
    var count = 0
    var flood: String?
    /// Flood: bind each socket to a random 127.x.y.z (distinct source IPs on loopback).
    var loopbackSources = false
    /// Flood: rebind a socket to a fresh address/port after this many packets (0: never).
    var churn = 0
    var legacy = false
    /// Requests mode: bind every socket to this source address (a second loopback source).
    var bind: IPAddress?
}

/// Writes to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func warn(_ text: String) {
    var bytes = Array(text.utf8)
    _ = write(2, &bytes, bytes.count)
}

func usage() -> Never {
    let text = """
        usage: p2ptui-load --server IP:PORT [--duration S] [--sockets N] [--window N] [--timeout S]
                           [--rate R] [--count N] [--legacy] [--bind IP]
                           [--flood garbage|truncated|responses|badfp|attrs|mixed|requests]
                           [--loopback-sources] [--churn N]

        """
    warn(text)
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value() -> String { guard let v = args.popFirst() else { usage() }; return v }
    while let a = args.popFirst() {
        switch a {
        case "--server": guard let s = TransportAddress(value()), s.ip.isIPv4 else { usage() }; o.server = s
        case "--duration": o.duration = Double(value()) ?? o.duration
        case "--sockets": o.sockets = max(1, Int(value()) ?? o.sockets)
        case "--window": o.window = max(1, Int(value()) ?? o.window)
        case "--timeout": o.timeout = Double(value()) ?? o.timeout
        case "--rate": o.rate = Double(value()) ?? 0
        case "--count": o.count = max(0, Int(value()) ?? 0)
        case "--flood": o.flood = value()
        case "--loopback-sources": o.loopbackSources = true
        case "--churn": o.churn = Int(value()) ?? 0
        case "--legacy": o.legacy = true
        case "--bind": guard let ip = IPAddress(value()), ip.isIPv4 else { usage() }; o.bind = ip
        default: usage()
        }
    }
    return o
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sockaddrIn(_ a: TransportAddress) -> sockaddr_in {
    var sa = sockaddr_in()
    sa.sin_family = sa_family_t(AF_INET)
    sa.sin_port = a.port.bigEndian
    let b = a.ip.bytes
    sa.sin_addr.s_addr = (UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])).bigEndian
    return sa
}

/// A non-blocking UDP socket bound to `local` (nil: wildcard, ephemeral port) and connected to the
/// server, so the kernel delivers only the server's datagrams to it.
func openSocket(local: TransportAddress?, server: TransportAddress) -> (fd: Int32, local: TransportAddress)? {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { return nil }
    var bufSize: Int32 = 1 << 20
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufSize, socklen_t(MemoryLayout<Int32>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufSize, socklen_t(MemoryLayout<Int32>.size))
    var bindTo = sockaddrIn(local ?? TransportAddress(.v4(0, 0, 0, 0), 0))
    var dest = sockaddrIn(server)
    let ok = withUnsafePointer(to: &bindTo) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0 && withUnsafePointer(to: &dest) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
    guard ok else { close(fd); return nil }
    var got = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &got) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    let ip = UInt32(bigEndian: got.sin_addr.s_addr)
    let addr = TransportAddress(.v4(UInt8(ip >> 24), UInt8((ip >> 16) & 0xff), UInt8((ip >> 8) & 0xff), UInt8(ip & 0xff)),
                                UInt16(bigEndian: got.sin_port))
    return (fd, addr)
}

/// A Binding request whose transaction ID carries the socket index and a sequence number, so an
/// answer maps back to its request without a random-number call per packet.
func bindingRequest(socket: Int, sequence: UInt64, legacy: Bool) -> [UInt8] {
    var p: [UInt8] = [0x00, 0x01, 0x00, 0x00]
    p += legacy ? [0x5a, 0x5a, 0x5a, 0x5a] : [0x21, 0x12, 0xA4, 0x42]
    p += withUnsafeBytes(of: UInt32(socket).bigEndian, Array.init)
    p += withUnsafeBytes(of: sequence.bigEndian, Array.init)
    return p
}

func sequenceOf(_ buf: UnsafeMutableRawBufferPointer) -> UInt64 {
    var s: UInt64 = 0
    for i in 12..<20 { s = s << 8 | UInt64(buf[i]) }
    return s
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
}

func fmt(_ x: Double) -> String {
    let v = (x * 1000).rounded() / 1000
    return String(v)
}

// MARK: requests mode

func runRequests(_ o: Options) {
    var socks: [(fd: Int32, local: TransportAddress)] = []
    for _ in 0..<o.sockets {
        guard let s = openSocket(local: o.bind.map { TransportAddress($0, 0) }, server: o.server) else { warn("p2ptui-load: socket: errno \(errno)\n"); exit(1) }
        socks.append(s)
    }
    var inflight = [[UInt64: Double]](repeating: [:], count: socks.count)
    var sequence: UInt64 = 0
    var sent = 0, valid = 0, invalid = 0, lost = 0, sendErrors = 0
    var latencies: [Double] = []
    latencies.reserveCapacity(1 << 20)
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    defer { buf.deallocate() }
    let start = now()
    let end = start + o.duration
    var credit = 0.0, lastCredit = start, lastSweep = start
    var pfds = socks.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }

    func send(_ i: Int, _ t: Double) {
        sequence &+= 1
        let p = bindingRequest(socket: i, sequence: sequence, legacy: o.legacy)
        if p.withUnsafeBytes({ Glibc.send(socks[i].fd, $0.baseAddress, $0.count, 0) }) == p.count {
            inflight[i][sequence] = t
            sent += 1
        } else {
            sendErrors += 1
        }
    }

    while true {
        let t = now()
        if t >= end || (o.count > 0 && sent >= o.count && inflight.allSatisfy(\.isEmpty)) { break }
        // Refill every window (at most `rate` requests per second in total when capped).
        if o.rate > 0 {
            credit = min(credit + (t - lastCredit) * o.rate, Double(o.sockets * o.window))
            lastCredit = t
        }
        for i in socks.indices {
            while inflight[i].count < o.window && !(o.count > 0 && sent >= o.count) {
                if o.rate > 0 { guard credit >= 1 else { break }; credit -= 1 }
                let before = sendErrors
                send(i, t)
                if sendErrors != before { break }
            }
        }
        if t - lastSweep >= o.timeout / 4 {
            lastSweep = t
            for i in socks.indices {
                let old = inflight[i].filter { t - $0.value > o.timeout }
                for k in old.keys { inflight[i][k] = nil }
                lost += old.count
            }
        }
        let ready = poll(&pfds, nfds_t(pfds.count), 5)
        guard ready > 0 else { continue }
        let t2 = now()
        for i in pfds.indices where pfds[i].revents != 0 {
            pfds[i].revents = 0
            let before = latencies.count
            invalid += receiveAnswers(socks[i], buf, at: t2, inflight: &inflight[i], latencies: &latencies)
            valid += latencies.count - before
        }
    }
    let elapsed = now() - start
    latencies.sort()
    print("{\"mode\":\"requests\",\"seconds\":\(fmt(elapsed)),\"sockets\":\(o.sockets),\"window\":\(o.window),"
          + "\"sent\":\(sent),\"valid\":\(valid),\"invalid\":\(invalid),\"lost\":\(lost),\"sendErrors\":\(sendErrors),"
          + "\"validPerSecond\":\(Int(Double(valid) / elapsed)),"
          + "\"latencyMsP50\":\(fmt(percentile(latencies, 0.5) * 1000)),\"latencyMsP99\":\(fmt(percentile(latencies, 0.99) * 1000))}")
}

/// Reads every datagram waiting on one socket: a Binding success answering a request in flight
/// (matched by sequence number, reflecting this socket's address) adds its latency and leaves
/// `inflight`; returns how many others arrived.
func receiveAnswers(_ sock: (fd: Int32, local: TransportAddress), _ buf: UnsafeMutableRawBufferPointer, at t: Double,
                    inflight: inout [UInt64: Double], latencies: inout [Double]) -> Int {
    var invalid = 0
    while true {
        let n = recv(sock.fd, buf.baseAddress, buf.count, 0)
        if n < 0 { return invalid }
        let bytes = Array(buf[0..<n])
        guard n >= 20, let m = try? STUNMessage.decode(bytes), m.type == .bindingSuccess,
              let seq = Optional(sequenceOf(buf)), let sentAt = inflight[seq],
              m.reflexiveAddress == sock.local else {
            invalid += 1
            continue
        }
        inflight[seq] = nil
        latencies.append(t - sentAt)
    }
}

// MARK: flood mode

/// Malformed or spoofed packets. "responses" are Binding success/error responses with random
/// transaction IDs (what an off-path spoofer would send); "requests" are valid Binding requests
/// (with --loopback-sources and --churn: many sources, to fill the rate limiter's table); the rest
/// are broken requests.
func floodPacket(_ kind: String, _ n: Int, _ rng: inout SystemRandomNumberGenerator) -> [UInt8] {
    func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) } }
    let kinds = ["garbage", "truncated", "responses", "badfp", "attrs"]
    let k = kind == "mixed" ? kinds[n % kinds.count] : kind
    let cookieAndID: [UInt8] = [0x21, 0x12, 0xA4, 0x42] + random(12)
    switch k {
    case "requests":
        return [0x00, 0x01, 0x00, 0x00] + cookieAndID
    case "garbage":
        return random(Int.random(in: 0...548, using: &rng))
    case "truncated":  // header claims more than arrives
        return [0x00, 0x01, 0x00, 0x40] + cookieAndID + random(Int.random(in: 0...20, using: &rng))
    case "responses":
        let type: [UInt8] = n % 2 == 0 ? [0x01, 0x01] : [0x01, 0x11]
        return type + [0x00, 0x0C] + cookieAndID + [0x00, 0x20, 0x00, 0x08, 0x00, 0x01] + random(6)
    case "badfp":      // valid request with a wrong FINGERPRINT
        return [0x00, 0x01, 0x00, 0x08] + cookieAndID + [0x80, 0x28, 0x00, 0x04] + random(4)
    default:           // "attrs": an attribute whose length runs past the message
        return [0x00, 0x01, 0x00, 0x08] + cookieAndID + [0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00]
    }
}

func runFlood(_ o: Options, kind: String) {
    var rng = SystemRandomNumberGenerator()
    func local() -> TransportAddress? {
        o.loopbackSources
            ? TransportAddress(.v4(127, UInt8.random(in: 1...254, using: &rng), UInt8.random(in: 0...255, using: &rng),
                                   UInt8.random(in: 1...254, using: &rng)), 0)
            : nil
    }
    var socks: [Int32] = []
    for _ in 0..<o.sockets {
        guard let s = openSocket(local: local(), server: o.server) else { warn("p2ptui-load: socket: errno \(errno)\n"); exit(1) }
        socks.append(s.fd)
    }
    // Pregenerated packets: the flood spends its time sending, not generating.
    let packets = (0..<1024).map { floodPacket(kind, $0, &rng) }
    var sent = 0, sendErrors = 0, rebinds = 0
    var perSocket = [Int](repeating: 0, count: socks.count)
    let drain = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    defer { drain.deallocate() }
    let start = now()
    let end = start + o.duration
    var n = 0
    while now() < end {
        for _ in 0..<256 {
            let i = n % socks.count
            let p = packets[n % packets.count]
            n += 1
            if p.withUnsafeBytes({ Glibc.send(socks[i], $0.baseAddress, $0.count, 0) }) == p.count { sent += 1 } else { sendErrors += 1 }
            while recv(socks[i], drain.baseAddress, drain.count, 0) >= 0 {}  // never let replies pile up
            perSocket[i] += 1
            if o.churn > 0, perSocket[i] >= o.churn, let s = openSocket(local: local(), server: o.server) {
                close(socks[i])
                socks[i] = s.fd
                perSocket[i] = 0
                rebinds += 1
            }
        }
    }
    let elapsed = now() - start
    print("{\"mode\":\"flood\",\"kind\":\"\(kind)\",\"seconds\":\(fmt(elapsed)),\"sent\":\(sent),\"sendErrors\":\(sendErrors),"
          + "\"sources\":\(socks.count + rebinds),\"perSecond\":\(Int(Double(sent) / elapsed))}")
}

let options = parseOptions()
signal(SIGPIPE, SIG_IGN)
if let kind = options.flood {
    runFlood(options, kind: kind)
} else {
    runRequests(options)
}
