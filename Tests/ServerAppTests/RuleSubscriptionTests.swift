import Broker
import Foundation
import Logging
import MQTT
import NIOCore
import Rules
@testable import ServerApp
import Synchronization
import Testing

/// The rules service's bus subscription, over a real broker bus and a real `rules.json` catalog.
@Suite("RuleSubscription: the rules service subscribes to exactly the enabled rules' FROM filters")
struct RuleSubscriptionTests {
    struct Fixture {
        let dir: String
        let server: BrokerServer
        let catalog: RuleCatalog
        let subscription: RuleSubscription
        var bus: MessageBus { server.bus }

        init(rules: [RuleDefinition] = []) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-rulesub-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if !rules.isEmpty { try RuleFile(dataDirectory: dir).save(rules) }
            server = BrokerServer(configuration: BrokerConfiguration(), logger: Logger(label: "test"))
            catalog = try RuleCatalog(dataDirectory: dir)
            subscription = try RuleSubscription(catalog: catalog, bus: server.bus, bufferSize: 100_000, logger: Logger(label: "test"))
        }

        func close() {
            subscription.cancel()
            try? FileManager.default.removeItem(atPath: dir)
        }

        /// The next `n` deliveries with, for each, the names of the rules that evaluate it.
        func take(_ n: Int) async -> [(topic: String, payload: String, rules: [String])] {
            var out: [(topic: String, payload: String, rules: [String])] = []
            guard n > 0 else { return out }
            for await d in subscription.deliveries {
                let names = RuleSubscription.rules(for: d.message, among: d.tag).map(\.definition.name)
                out.append((d.message.topic, String(buffer: d.message.payload), names))
                if out.count == n { break }
            }
            return out
        }
    }

    static func rule(_ name: String, _ from: String, enabled: Bool = true) -> RuleDefinition {
        RuleDefinition(name: name, sql: "SELECT * FROM '\(from)'", enabled: enabled, actions: [])
    }

    @Test("no enabled rule: no subscription, so publishing wakes nobody")
    func noRulesNoSubscription() async throws {
        let f = try Fixture(rules: [Self.rule("off", "a/#", enabled: false)])
        defer { f.close() }
        #expect(f.bus.subscribedFilterCount == 0)
        #expect(f.subscription.subscription.filters.isEmpty)
    }

    @Test("enabling a rule delivers its messages; disabling stops them; other topics never arrive")
    func enableDisable() async throws {
        let f = try Fixture()
        defer { f.close() }
        try f.catalog.create(Self.rule("temp", "sensors/+/temp"))
        #expect(f.bus.subscribedFilterCount == 1)
        try f.bus.publish(topic: "sensors/1/hum", string: "ignored")
        try f.bus.publish(topic: "sensors/1/temp", string: "21")
        var got = await f.take(1)
        #expect(got.map(\.payload) == ["21"])
        #expect(got.map(\.rules) == [["temp"]])

        try f.catalog.setEnabled(name: "temp", false)
        #expect(f.bus.subscribedFilterCount == 0)
        try f.bus.publish(topic: "sensors/1/temp", string: "22")   // not delivered
        try f.catalog.setEnabled(name: "temp", true)
        try f.bus.publish(topic: "sensors/1/temp", string: "23")
        got = await f.take(1)
        #expect(got.map(\.payload) == ["23"])

        try f.catalog.delete(name: "temp")
        #expect(f.bus.subscribedFilterCount == 0)
    }

    @Test("overlapping FROM filters: one subscription filter for the wider, each message delivered once")
    func overlapping() async throws {
        let f = try Fixture(rules: [Self.rule("up", "application/+/device/+/event/up"), Self.rule("all", "application/#"),
                                    Self.rule("dup", "application/#"), Self.rule("cross", "+/7/#")])
        defer { f.close() }
        #expect(f.subscription.subscription.filters == ["+/7/#", "application/#"])
        #expect(f.bus.subscribedFilterCount == 2)
        try f.bus.publish(topic: "application/7/device/01/event/up", string: "1")
        try f.bus.publish(topic: "application/8/device/01/event/join", string: "2")
        let got = await f.take(2)
        #expect(got.map(\.payload) == ["1", "2"])
        #expect(got.map { Set($0.rules) } == [["up", "all", "dup", "cross"], ["all", "dup"]])
    }

    @Test("bus filters: covered filters dropped, `$` topics not covered by a first-level wildcard, `$share/` not subscribable")
    func filterSet() throws {
        func compiled(_ defs: [RuleDefinition]) throws -> [CompiledRule] {
            try defs.map { CompiledRule(definition: $0, rule: try $0.compile()) }
        }
        let rules = try compiled([Self.rule("a", "#"), Self.rule("b", "$SYS/x"), Self.rule("c", "$share/g/a/b"),
                                  Self.rule("d", "+/x"), Self.rule("e", "q/+/r"), Self.rule("f", "q/s/+")])
        let (filters, unusable) = RuleSubscription.filters(of: rules)
        #expect(filters == ["#", "$SYS/x"])
        #expect(unusable == ["c"])
        #expect(RuleSubscription.filters(of: try compiled([Self.rule("e", "q/+/r"), Self.rule("f", "q/s/+"), Self.rule("g", "q/s/r")])).filters
                == ["q/+/r", "q/s/+"])
    }

    @Test("a rule's own republished message is not evaluated by that rule")
    func ownRepublish() async throws {
        let f = try Fixture(rules: [Self.rule("copy", "in/#"), Self.rule("watch", "in/#")])
        defer { f.close() }
        var properties = MQTTProperties()
        properties.userProperties = [UserProperty(RulesService.originProperty, "copy")]
        try f.bus.publish(topic: "in/out", payload: ByteBuffer(string: "echo"), properties: properties)
        let got = await f.take(1)
        #expect(got.map(\.rules) == [["watch"]])
    }

    @Test("toggling another rule while messages are published: the always-enabled rule sees each once, in order")
    func toggleUnderLoad() async throws {
        let f = try Fixture(rules: [Self.rule("always", "seq/+"), Self.rule("toggled", "+/a", enabled: false)])
        defer { f.close() }
        let n = 5_000
        let bus = f.bus
        let catalog = f.catalog
        let published = Tally()
        let toggles = Tally()
        let toggler = Task.detached {
            var on = false
            while published.value < n {
                on.toggle()
                try catalog.setEnabled(name: "toggled", on)
                toggles.add()
                await Task.yield()
            }
        }
        let publisher = Task.detached {
            while toggles.value == 0 { await Task.yield() }
            for i in 0..<n {
                try bus.publish(topic: "seq/a", string: "\(i)")
                published.add()
            }
        }
        try await publisher.value
        try await toggler.value
        try f.bus.publish(topic: "seq/end", string: "end")
        let got = await f.take(n + 1)
        #expect(got.map(\.payload) == (0..<n).map { "\($0)" } + ["end"])
        #expect(got.allSatisfy { $0.rules.contains("always") && $0.rules.count == Set($0.rules).count })
        #expect(toggles.value > 0)
    }

    @Test("a rules.json changed by another process is picked up by reloadIfChanged and resubscribed")
    func reloadResubscribes() async throws {
        let f = try Fixture(rules: [Self.rule("first", "a/+")])
        defer { f.close() }
        #expect(f.subscription.subscription.filters == ["a/+"])
        // Another process (the CLI) replaces the file.
        let other = try RuleCatalog(dataDirectory: f.dir)
        try other.setEnabled(name: "first", false)
        try other.create(Self.rule("second", "b/#"))
        try f.bus.publish(topic: "b/1", string: "before reload")   // not yet subscribed
        #expect(try f.catalog.reloadIfChanged())
        #expect(f.subscription.subscription.filters == ["b/#"])
        #expect(f.bus.subscribedFilterCount == 1)
        try f.bus.publish(topic: "a/1", string: "old rule")
        try f.bus.publish(topic: "b/2", string: "after reload")
        let got = await f.take(1)
        #expect(got.map(\.payload) == ["after reload"])
        #expect(got.map(\.rules) == [["second"]])
    }

    @Test("cancel removes the subscription and stops following the catalog")
    func cancelled() async throws {
        let f = try Fixture(rules: [Self.rule("r", "a")])
        defer { f.close() }
        #expect(f.bus.subscribedFilterCount == 1)
        f.subscription.cancel()
        #expect(f.bus.subscribedFilterCount == 0)
        try f.catalog.create(Self.rule("s", "b"))
        #expect(f.bus.subscribedFilterCount == 0)
    }
}

final class Tally: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}
