import Testing
@testable import STUNCodec

@Suite("PADDING to an exact datagram size")
struct PaddingTests {
    static let tid = TransactionID(bytes: Array(1...12))!

    @Test("a padded Binding request encodes to exactly the asked size and decodes back",
          arguments: [24, 576, 1000, 1200, 1280, 1400, 1472])
    func exactSize(size: Int) throws {
        let plain = STUNMessage(type: .bindingRequest, transactionID: Self.tid)
        let m = try #require(plain.padded(toSize: size))
        let bytes = m.encode()
        #expect(bytes.count == size)
        let back = try STUNMessage.decode(bytes)
        #expect(back.paddingLength == size - 24)
        #expect(back == m)
    }

    @Test("with SOFTWARE and FINGERPRINT the size still comes out exact")
    func withOtherAttributes() throws {
        let m = try #require(STUNMessage(type: .bindingRequest, transactionID: Self.tid,
                                         attributes: [.software(PaddedResponseMarker.software)])
            .padded(toSize: 1280, fingerprint: true))
        let bytes = m.encode(fingerprint: true)
        #expect(bytes.count == 1280)
        #expect(STUNIntegrity.verifyFingerprint(bytes) == true)
        let back = try STUNMessage.decode(bytes)
        #expect(PaddedResponseMarker.isRequested(by: back))
    }

    @Test("sizes that no STUN message can have give nil", arguments: [0, 20, 23, 1201, 1202, 70_000])
    func impossible(size: Int) {
        #expect(STUNMessage(type: .bindingRequest, transactionID: Self.tid).padded(toSize: size) == nil)
    }

    @Test("the marker needs both the SOFTWARE text and PADDING")
    func marker() {
        let onlySoftware = STUNMessage(type: .bindingRequest, transactionID: Self.tid,
                                       attributes: [.software(PaddedResponseMarker.software)])
        #expect(!PaddedResponseMarker.isRequested(by: onlySoftware))
        let onlyPadding = STUNMessage(type: .bindingRequest, transactionID: Self.tid, attributes: [.padding(length: 100)])
        #expect(!PaddedResponseMarker.isRequested(by: onlyPadding))
        let other = STUNMessage(type: .bindingRequest, transactionID: Self.tid,
                                attributes: [.software("some other client"), .padding(length: 100)])
        #expect(!PaddedResponseMarker.isRequested(by: other))
    }
}
