import CoreMetrics
import Dispatch
import FlyingFox
import FlyingSocks
import Foundation
import P2PServer
import P2PSocket
import STUNCodec
import Prometheus
import Synchronization

/// `serve --metrics HOST:PORT`: the servers' swift-metrics counters in a Prometheus registry,
/// served as text exposition at `/metrics` by FlyingFox's HTTP server.
final class MetricsEndpoint: Sendable {
    let registry = PrometheusCollectorRegistry()
    let metrics: ServerMetrics
    private let http: HTTPServer
    let address: String

    /// "HOST:PORT" (IPv4) or "[HOST]:PORT" (IPv6) with an IP literal and a port from 1; nil when it is not one.
    static func parse(_ text: String) -> (ip: IPAddress, port: UInt16)? {
        guard let a = TransportAddress(text), a.port > 0 else { return nil }
        return (a.ip, a.port)
    }

    /// Makes the metrics (every series present from the start) and the HTTP server, not yet listening.
    init(ip: IPAddress, port: UInt16) throws {
        metrics = ServerMetrics(factory: HelpfulPrometheusFactory(registry: registry))
        let host = ip.description
        if ip.isIPv4 {
            http = HTTPServer(address: try .inet(ip4: host, port: port), timeout: 10, logger: .disabled)
        } else {
            http = HTTPServer(address: try .inet6(ip6: host, port: port), timeout: 10, logger: .disabled)
        }
        address = TransportAddress(ip, port).description
    }

    /// Starts serving `/metrics` in the background; returns once it listens, or the reason it cannot.
    func start() -> String? {
        let ready = DispatchSemaphore(value: 0)
        let failure = StartFailure()
        let registry = self.registry, http = self.http
        Task {
            await http.appendRoute("GET,HEAD /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: Data(registry.emitToBuffer()))
            }
            Task {
                do { try await http.run() } catch {
                    failure.m.withLock { $0 = Self.describe(error) }
                    ready.signal()
                }
            }
            do { try await http.waitUntilListening(timeout: 5) } catch {
                failure.m.withLock { $0 = $0 ?? "not listening after 5 s: \(error)" }
            }
            ready.signal()
        }
        ready.wait()
        return failure.m.withLock { $0 }
    }

    /// A socket error as "bind: Address already in use (errno 98)"; anything else as Swift prints it.
    static func describe(_ error: any Error) -> String {
        if case let .failed(type, code, message)? = error as? FlyingSocks.SocketError {
            return "\(type.lowercased()): \(message) (errno \(code))"
        }
        return "\(error)"
    }

    /// Stops the HTTP server (open scrapes get a second to finish) and waits for it.
    func stop() {
        let done = DispatchSemaphore(value: 0)
        let http = self.http
        Task {
            await http.stop(timeout: 1)
            done.signal()
        }
        done.wait()
    }
}

/// Why the HTTP server did not start, set from its tasks.
private final class StartFailure: Sendable {
    let m = Mutex<String?>(nil)
}

/// swift-prometheus's factory, except that counters and timers get their HELP text from
/// `ServerMetrics.help` (the stock factory leaves it empty) and timers the latency buckets.
struct HelpfulPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let stock: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        stock = PrometheusMetricsFactory(registry: registry)
    }

    func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: ServerMetrics.help[label] ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: ServerMetrics.latencyBuckets)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        stock.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        stock.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        stock.makeMeter(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { stock.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { stock.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { stock.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { stock.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { stock.destroyTimer(handler) }
}
