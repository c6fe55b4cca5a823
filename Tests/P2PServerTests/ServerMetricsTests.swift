import Foundation
import P2PServer
import P2PSocket
import Prometheus
import STUNCodec
import Testing

/// The serve command's metrics: the real server on loopback, counted into a Prometheus registry.
@Suite(.serialized) struct ServerMetricsTests {
    /// The value of the series `name{labels}` in `text`, or nil when it is not there.
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func requestsAnswersAndDropsAreCountedByReason() throws {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[ServerMetrics.latencyLabel] = ServerMetrics.latencyBuckets
        let server = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: nil, port: 34_790),
                                    ratePerSecond: 0, metrics: ServerMetrics(factory: factory))
        Thread { server.run() }.start()
        defer { server.stop() }
        let client = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        defer { client.close() }
        let dest = TransportAddress(.v4(127, 0, 0, 1), 34_790)
        for _ in 0..<8 {
            let req = STUNMessage(type: .bindingRequest)
            try client.send(req.encode(), to: dest)
            #expect(try client.receive(timeout: 15) != nil)  // hang guard
        }
        try client.send([1, 2, 3], to: dest)                                          // malformed
        try client.send(STUNMessage(type: .bindingSuccess).encode(), to: dest)        // not a request
        // A batch's counts reach the registry when the batch ends (hang guard: 15 s).
        let deadline = Date().addingTimeInterval(15)
        var text = registry.emitToString()
        while Self.value(text, #"p2ptui_serve_requests_total{server="stun"}"#) != 10 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
            text = registry.emitToString()
        }
        #expect(Self.value(text, #"p2ptui_serve_requests_total{server="stun"}"#) == 10)
        #expect(Self.value(text, #"p2ptui_serve_answers_total{server="stun",kind="binding"}"#) == 8)
        #expect(Self.value(text, #"p2ptui_serve_drops_total{server="stun",reason="malformed"}"#) == 1)
        #expect(Self.value(text, #"p2ptui_serve_drops_total{server="stun",reason="not-binding-request"}"#) == 1)
        #expect(Self.value(text, #"p2ptui_serve_drops_total{server="stun",reason="rate-limited"}"#) == 0)
        // One request in 8 is timed: the 8th.
        #expect(Self.value(text, #"p2ptui_serve_response_seconds_count{server="stun"}"#) == 1)
        #expect(text.contains(#"p2ptui_serve_response_seconds_bucket{server="stun",le="0.00001"}"#))
        // Series of the servers not running are there from the start, at 0.
        #expect(Self.value(text, #"p2ptui_serve_egress_answers_total"#) == 0)
        #expect(Self.value(text, #"p2ptui_serve_quic_vn_answers_total{server="quic"}"#) == 0)
    }
}
