// p2ptui-fuzz: libFuzzer harness over the STUN decoder and the server's request path.
//
// `scripts/fuzz SECONDS` builds it with `swift build --sanitize fuzzer --sanitize address
// -Xswiftc -DFUZZING` in its own build directory; libFuzzer then supplies `main` and calls
// `LLVMFuzzerTestOneInput`. A normal `swift build` compiles the same checks with a small replay
// driver instead (`p2ptui-fuzz FILE...` runs each file once), so the harness never rots.
import P2PServer
import STUNCodec

/// Every property the harness asserts for one input. A violation traps, which libFuzzer reports as
/// a crash and saves the input.
func checkOne(_ input: [UInt8]) {
    // Verifiers walk the same untrusted bytes.
    _ = STUNIntegrity.verifyFingerprint(input)
    _ = STUNIntegrity.verifyMessageIntegrity(input, key: [1, 2, 3])

    // Decoder: returns or throws; what it accepts re-encodes to an equal, stable message.
    if let m = try? STUNMessage.decode(input) {
        precondition(input.count >= 20 && input[0] & 0xC0 == 0, "accepted a packet with a bad header")
        let encoded = m.encode()
        guard let again = try? STUNMessage.decode(encoded) else { preconditionFailure("re-encoding does not decode") }
        precondition(again == m, "decode(encode(m)) != m")
        precondition(again.encode() == encoded, "encoding is not stable")
    }

    // Server request path (RFC 5780 server with an alternate address, and a plain one), on every
    // socket it listens on: a reply always decodes, answers the request's transaction, leaves from a
    // slot the server has, and is small (the server must not amplify: RFC 8489 section 6.3).
    for addresses in serverConfigs {
        for slot in addresses.slots {
            switch Responder.respond(to: input, from: fuzzSource, on: slot, addresses: addresses) {
            case .failure:
                continue
            case .success(let reply):
                guard let request = try? STUNMessage.decode(input) else { preconditionFailure("answered an undecodable packet") }
                precondition(request.type == .bindingRequest, "answered something other than a Binding request")
                guard let response = try? STUNMessage.decode(reply.bytes) else { preconditionFailure("reply does not decode") }
                precondition(response.transactionID == request.transactionID && response.cookie == request.cookie,
                             "reply answers another transaction")
                precondition(response.type == (reply.isError ? .bindingError : .bindingSuccess), "reply has the wrong class")
                precondition(addresses.slots.contains(reply.from), "reply from a socket the server does not have")
                precondition(reply.to.ip == fuzzSource.ip, "reply sent to another host")
                precondition(reply.bytes.count <= max(128, input.count), "reply of \(reply.bytes.count) bytes amplifies")
                if !reply.isError { precondition(response.mappedAddress == fuzzSource, "wrong mapped address") }
            }
        }
    }
}

let fuzzSource = TransportAddress(.v4(198, 51, 100, 7), 40_000)
let serverConfigs = [
    ServerAddresses(primary: .v4(203, 0, 113, 10), alternate: .v4(203, 0, 113, 11), port: 3478),
    ServerAddresses(primary: .v4(203, 0, 113, 10), alternate: nil, port: 3478),
]

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    checkOne(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
import Foundation

/// Replay driver: runs every file named on the command line through the checks once.
@main
enum Replay {
    static func main() {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("p2ptui-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            checkOne(Array(data))
            count += 1
        }
        print("p2ptui-fuzz: \(count) input(s) passed")
    }
}
#endif
