// Hostile loopback servers for the untrusted-text tests: a STUN server whose SOFTWARE
// and ERROR-CODE reason hold terminal control sequences, and an AWS-like metadata service whose
// Server header and bodies do. Loopback only; run inside the lo-only namespace.
import Foundation
import P2PSocket
import STUNCodec
import Synchronization

public enum Hostile {
    /// OSC 0 (set title) ended by BEL, erase display, red, C1 CSI (U+009B), a bidi override and isolate.
    public static let text = "evil\u{1B}]0;PWNED-TITLE\u{07}\u{1B}[2J\u{1B}[31mred\u{9B}2J\u{202E}exe.gnp\u{2066}x\u{2069}\u{7F}"

    /// What the cleaner makes of `text`'s first control sequence: proof the text was shown, escaped.
    public static let visible = "evil\\x1b]0;PWNED-TITLE\\x07"

    /// Bytes no output may hold: C0 except tab/newline/CR, DEL, and (as UTF-8) C1 controls and the
    /// bidi and invisible format characters. Returns a description of the first one found.
    public static func rawControl(in text: String) -> String? {
        for (i, s) in text.unicodeScalars.enumerated() {
            let v = s.value
            let bad = (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F || (0x80..<0xA0).contains(v)
                || [0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF].contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v)
            if bad {
                let from = text.unicodeScalars.index(text.unicodeScalars.startIndex, offsetBy: max(0, i - 30))
                let context = String(text.unicodeScalars[from...].prefix(60))
                return "U+\(String(v, radix: 16)) at scalar \(i), near \(context.debugDescription)"
            }
        }
        return nil
    }
}

/// A STUN server on 127.0.0.1 that answers Binding requests with a hostile SOFTWARE attribute and
/// CHANGE-REQUEST with error 420 and a hostile reason phrase. Runs on a thread until `stop()`.
public final class HostileSTUNServer: Sendable {
    public let socket: UDPSocket
    public let port: UInt16

    /// `errorsOnly`: every request gets error 400 with the hostile reason phrase.
    public init(software: String = Hostile.text, errorsOnly: Bool = false) throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        socket = s
        port = try s.localAddress().port
        Thread {
            while !s.isClosed {
                guard let d = try? s.receive(timeout: 0.05), let m = try? STUNMessage.decode(d.bytes),
                      m.type == .bindingRequest else { continue }
                let answer: STUNMessage
                if m.changeRequest != nil || errorsOnly {
                    answer = STUNMessage(type: .bindingError, transactionID: m.transactionID,
                                         attributes: [.errorCode(code: errorsOnly ? 400 : 420, reason: software),
                                                      .software(software)])
                } else {
                    answer = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID,
                                         attributes: [.xorMappedAddress(d.source), .software(software)])
                }
                try? s.send(answer.encode(), to: d.source)
            }
        }.start()
    }

    public var name: String { "127.0.0.1:\(port)" }

    public func stop() { socket.close() }
}

/// An AWS IMDSv2 look-alike on 127.0.0.1 whose Server header and bodies hold `Hostile.text`.
public final class HostileMetadataServer: Sendable {
    let listener: TCPListener
    public let port: UInt16
    private let stopped = Atomic<Bool>(false)

    public init() throws {
        let l = try TCPListener(bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        listener = l
        port = try l.localAddress()!.port
        let box = Box(self)
        Thread { box.loop() }.start()
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public func stop() { stopped.store(true, ordering: .releasing) }

    private final class Box: @unchecked Sendable {
        weak var server: HostileMetadataServer?
        init(_ s: HostileMetadataServer) { server = s }

        func loop() {
            while let s = server, !s.stopped.load(ordering: .acquiring) {
                guard let conn = try? s.listener.accept(timeout: 0.05) else { continue }
                Self.serve(conn)
            }
        }

        static func serve(_ conn: TCPStream) {
            defer { conn.close() }
            let deadline = Deadline.after(seconds: 30)  // a hang guard: the request is on its way already
            var buf: [UInt8] = []
            while !buf.contains(0x0A) || !String(decoding: buf, as: UTF8.self).contains("\r\n\r\n") {
                guard let chunk = try? conn.read(deadline: deadline), !chunk.isEmpty else { return }
                buf += chunk
            }
            let first = String(decoding: buf, as: UTF8.self).split(separator: "\r\n").first ?? ""
            let parts = first.split(separator: " ")
            guard parts.count >= 2 else { return }
            let (method, path) = (String(parts[0]), String(parts[1]))
            let mac = "0e:1f:2a:3b:4c:5d"
            let (status, body): (Int, String)
            switch (method, path) {
            case ("PUT", "/latest/api/token"): (status, body) = (200, "AQAEAFAKETOKEN==")
            case (_, "/latest/meta-data/public-ipv4"): (status, body) = (404, "")
            case (_, "/latest/meta-data/mac"): (status, body) = (200, mac)
            case (_, "/latest/meta-data/network/interfaces/macs/\(mac)/subnet-id"): (status, body) = (200, "subnet-" + Hostile.text)
            case (_, "/latest/meta-data/network/interfaces/macs/\(mac)/vpc-id"): (status, body) = (200, "vpc-\u{1B}[2J\u{202E}")
            default: (status, body) = (404, "")
            }
            let out = "HTTP/1.1 \(status) X\r\nServer: EC2ws \(Hostile.text)\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n" + body
            try? conn.write(Array(out.utf8), deadline: deadline)
        }
    }
}

/// A DMI directory (like /sys/class/dmi/id) that says "Amazon EC2" with hostile strings around it.
public func hostileDMIRoot() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-hostile-dmi-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let files = ["sys_vendor": "Amazon EC2", "bios_vendor": "Amazon EC2",
                 "product_name": "t3.micro" + Hostile.text, "board_asset_tag": "i-0abc" + Hostile.text]
    for (name, value) in files {
        try Data((value + "\n").utf8).write(to: dir.appendingPathComponent(name))
    }
    return dir.path
}

/// Every string (keys included) of a value's JSON form, to check that nothing raw got in.
public func allStrings<T: Encodable>(_ value: T) throws -> [String] {
    let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value), options: [.fragmentsAllowed])
    var out: [String] = []
    func walk(_ v: Any) {
        switch v {
        case let s as String: out.append(s)
        case let a as [Any]: a.forEach(walk)
        case let d as [String: Any]: for (k, x) in d { out.append(k); walk(x) }
        default: break
        }
    }
    walk(object)
    return out
}
