public import CoreMetrics
import Foundation
public import Prometheus

/// The swift-metrics backend of `lorikeet serve`: swift-prometheus 2 with Lorikeet's naming.
///
/// Modules create their metrics with swift-metrics' `Counter`, `Gauge`, `Recorder` and `Timer`
/// under a module-prefixed label (`ns_uplinks_total`, `broker_connections_active`); this factory
/// puts every one of them under one namespace, `lorikeet_` (so `lorikeet_ns_uplinks_total`), and
/// hands them to a ``PrometheusCollectorRegistry`` that `GET /metrics` renders.
///
/// Two safety properties the plain Prometheus factory does not have:
/// - **A naming mistake never stops the server.** The Prometheus registry traps when one name is
///   registered as two metric types, or labelled and unlabelled. This factory remembers the shape
///   (type, labelled or not) of every name; a later registration with another shape gets a
///   distinct name (`<name>_<type>` or `<name>_labeled`) instead of a trap, and
///   `lorikeet_metrics_name_conflicts_total` counts it.
/// - **The registry is injected.** Tests build their own registry and factory and create metrics
///   with `Counter(label:dimensions:factory:)`; only the executable calls
///   `MetricsSystem.bootstrap` (once per process, see ``bootstrapGlobal(prefix:)``).
///
/// Timers become Prometheus histograms with millisecond-to-seconds buckets (SQL queries range from
/// under a millisecond to seconds); aggregating recorders become value histograms; gauges and
/// meters become gauges.
public struct LorikeetMetricsFactory: MetricsFactory, Sendable {
    /// The registry every metric lands in (render it with ``exposition()``).
    public let registry: PrometheusCollectorRegistry
    /// Prepended to every label: `lorikeet_`.
    public let prefix: String
    let base: PrometheusMetricsFactory
    let shapes: ShapeBook
    let conflicts: Prometheus.Counter

    /// Duration-histogram buckets for timers: 0.5 ms … 10 s.
    public static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]

    /// - Parameters:
    ///   - registry: where metrics are kept; a fresh one by default (never a process-wide one, so
    ///     parallel tests do not share state).
    ///   - prefix: the namespace prepended to every metric name.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), prefix: String = "lorikeet_") {
        self.registry = registry
        self.prefix = prefix
        var base = PrometheusMetricsFactory(registry: registry)
        base.defaultDurationHistogramBuckets = Self.durationBuckets
        self.base = base
        self.shapes = ShapeBook()
        // Help text "" as the swift-metrics path uses, so a later same-named Counter is the same series.
        let descriptor = MetricNameDescriptor(metricName: prefix + "metrics_name_conflicts", unitName: "total", helpText: "")
        self.conflicts = registry.makeCounter(descriptor: descriptor)
        shapes.reserve(descriptor.name, Shape(kind: .counter, labeled: false))
    }

    /// Bootstraps swift-metrics with a new factory and returns it. Call once per process (the
    /// executable's `serve`); `MetricsSystem.bootstrap` traps on a second call.
    public static func bootstrapGlobal(prefix: String = "lorikeet_") -> LorikeetMetricsFactory {
        let factory = LorikeetMetricsFactory(prefix: prefix)
        MetricsSystem.bootstrap(factory)
        return factory
    }

    /// The Prometheus text exposition format (version 0.0.4) of every metric.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The content type of ``exposition()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func name(_ label: String, _ kind: Shape.Kind, _ dimensions: [(String, String)]) -> String {
        let full = label.hasPrefix(prefix) ? label : prefix + label
        let (name, renamed) = shapes.claim(full, Shape(kind: kind, labeled: !dimensions.isEmpty))
        if renamed { conflicts.increment() }
        return name
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        base.makeCounter(label: name(label, .counter, dimensions), dimensions: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        base.makeFloatingPointCounter(label: name(label, .counter, dimensions), dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        base.makeRecorder(label: name(label, aggregate ? .valueHistogram : .gauge, dimensions), dimensions: dimensions, aggregate: aggregate)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.makeMeter(label: name(label, .gauge, dimensions), dimensions: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        base.makeTimer(label: name(label, .durationHistogram, dimensions), dimensions: dimensions)
    }

    // Metrics are created once per process and live as long as it: nothing is unregistered, so a
    // module that re-creates its metrics struct keeps adding to the same series.
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}
}

/// What the Prometheus registry requires to stay the same for one metric name.
struct Shape: Equatable, Sendable {
    enum Kind: String, Sendable { case counter, gauge, durationHistogram = "histogram", valueHistogram = "value_histogram" }
    var kind: Kind
    var labeled: Bool
}

/// Name → shape, so a second registration with another shape is renamed instead of trapping.
final class ShapeBook: @unchecked Sendable {
    private let lock = NSLock()
    private var shapes: [String: Shape] = [:]

    func reserve(_ name: String, _ shape: Shape) {
        lock.lock(); shapes[name] = shape; lock.unlock()
    }

    /// The name to register under and whether it had to be changed.
    func claim(_ name: String, _ shape: Shape) -> (String, Bool) {
        lock.lock()
        defer { lock.unlock() }
        var candidate = name
        var renamed = false
        while let existing = shapes[candidate], existing != shape {
            renamed = true
            candidate = existing.kind != shape.kind ? "\(candidate)_\(shape.kind.rawValue)" : "\(candidate)_\(shape.labeled ? "labeled" : "unlabeled")"
        }
        shapes[candidate] = shape
        return (candidate, renamed)
    }
}
