import CoreMetrics
import Foundation
import Observability
import Prometheus
import Testing

/// Each test has its own registry and factory: swift-metrics' global bootstrap is never touched,
/// so these run in parallel with everything else.
@Suite struct LorikeetMetricsFactoryTests {
    func text(_ factory: LorikeetMetricsFactory) -> String {
        String(decoding: factory.exposition(), as: UTF8.self)
    }

    @Test func everyNameGetsTheLorikeetPrefix() {
        let factory = LorikeetMetricsFactory()
        let c = CoreMetrics.Counter(label: "ns_uplinks_total", dimensions: [("type", "data")], factory: factory)
        c.increment(by: 3)
        let g = CoreMetrics.Gauge(label: "broker_connections_active", factory: factory)
        g.record(2)
        let out = text(factory)
        #expect(out.contains(#"lorikeet_ns_uplinks_total{type="data"} 3"#))
        #expect(out.contains("# TYPE lorikeet_broker_connections_active gauge"))
        #expect(out.contains("lorikeet_broker_connections_active 2"))
        #expect(!out.contains("\nns_uplinks_total"))
    }

    @Test func anAlreadyPrefixedLabelIsNotPrefixedTwice() {
        let factory = LorikeetMetricsFactory()
        CoreMetrics.Counter(label: "lorikeet_x_total", factory: factory).increment()
        #expect(text(factory).contains("lorikeet_x_total 1"))
        #expect(!text(factory).contains("lorikeet_lorikeet_"))
    }

    @Test func timersBecomeSecondHistogramsWithMillisecondBuckets() {
        let factory = LorikeetMetricsFactory()
        let t = CoreMetrics.Timer(label: "analytics_query_duration_seconds", dimensions: [("result", "ok")], factory: factory)
        t.recordMilliseconds(3)
        let out = text(factory)
        #expect(out.contains("# TYPE lorikeet_analytics_query_duration_seconds histogram"))
        // 3 ms falls in the 5 ms bucket and not in the 2.5 ms one.
        #expect(out.contains(#"lorikeet_analytics_query_duration_seconds_bucket{result="ok",le="0.0025"} 0"#))
        #expect(out.contains(#"lorikeet_analytics_query_duration_seconds_bucket{result="ok",le="0.005"} 1"#))
        #expect(out.contains(#"lorikeet_analytics_query_duration_seconds_count{result="ok"} 1"#))
    }

    /// The plain Prometheus registry traps on both of these; the server must not.
    @Test func aTypeOrLabelConflictIsRenamedAndCountedInsteadOfTrapping() {
        let factory = LorikeetMetricsFactory()
        CoreMetrics.Counter(label: "thing", factory: factory).increment()
        CoreMetrics.Gauge(label: "thing", factory: factory).record(5)
        CoreMetrics.Counter(label: "thing", dimensions: [("k", "v")], factory: factory).increment(by: 2)
        let out = text(factory)
        #expect(out.contains("lorikeet_thing 1"))
        #expect(out.contains("lorikeet_thing_gauge 5"))
        #expect(out.contains(#"lorikeet_thing_labeled{k="v"} 2"#))
        #expect(out.contains("lorikeet_metrics_name_conflicts_total 2"))
    }

    @Test func theSameMetricCreatedTwiceIsOneSeries() {
        let factory = LorikeetMetricsFactory()
        CoreMetrics.Counter(label: "a_total", dimensions: [("r", "x")], factory: factory).increment()
        CoreMetrics.Counter(label: "a_total", dimensions: [("r", "x")], factory: factory).increment()
        CoreMetrics.Counter(label: "a_total", dimensions: [("r", "y")], factory: factory).increment()
        let out = text(factory)
        #expect(out.contains(#"lorikeet_a_total{r="x"} 2"#))
        #expect(out.contains(#"lorikeet_a_total{r="y"} 1"#))
        #expect(out.contains("lorikeet_metrics_name_conflicts_total 0"))
    }

    @Test func separateFactoriesDoNotShareState() {
        let a = LorikeetMetricsFactory(), b = LorikeetMetricsFactory()
        CoreMetrics.Counter(label: "only_in_a_total", factory: a).increment()
        #expect(text(a).contains("lorikeet_only_in_a_total 1"))
        #expect(!text(b).contains("only_in_a"))
    }
}
