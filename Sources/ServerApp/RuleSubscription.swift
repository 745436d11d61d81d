import Broker
import Logging
import MQTT

/// Feeds the rules service exactly the bus messages that some enabled rule's FROM filter matches,
/// each with the set of enabled rules that was running when the message was published.
///
/// One ``BusSubscription`` whose filters are the union of the enabled rules' FROM filters (a
/// filter several rules share is held once, one that another covers is dropped) and whose tag is the compiled enabled rules. The
/// ``RuleCatalog`` calls back on every change (HTTP edit, `rules.json` reload) with its lock held,
/// and the callback replaces filters and tag in one step under the broker's lock. So:
/// - with no enabled rule the subscription holds nothing, and publishers never wake the rules
///   service (before, one `#` subscription woke it for every message the server published);
/// - every message published after a change returns is matched against the new filters and
///   evaluated by the new rules; messages already queued keep the rules they were routed under,
///   so a rule enabled before and after a change sees each of its messages exactly once, in order;
/// - a message matching several filters (`application/+/device/+/event/up` and `application/#`)
///   arrives once.
final class RuleSubscription: Sendable {
    typealias Delivery = BusSubscription<[CompiledRule]>.Delivery
    let catalog: RuleCatalog
    let subscription: BusSubscription<[CompiledRule]>

    /// Subscribes and starts following `catalog`.
    /// - Throws: `MQTTError` if the bus refuses the (empty) subscription; it does not in practice.
    init(catalog: RuleCatalog, bus: MessageBus, bufferSize: Int, logger: Logger) throws(MQTTError) {
        let subscription = try bus.subscribe(filters: [], tag: [CompiledRule](), bufferSize: bufferSize)
        self.catalog = catalog
        self.subscription = subscription
        catalog.observe { rules in
            let (filters, unusable) = Self.filters(of: rules)
            for name in unusable {
                logger.warning("rule FROM filter cannot be subscribed on the bus; the rule sees no messages", metadata: ["rule.name": "\(name)"])
            }
            do { try subscription.replace(filters: filters, tag: rules) } catch {
                // Unreachable: every filter was validated above. Keep the previous rules running.
                logger.error("rules cannot resubscribe to the bus", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The messages, each with the enabled rules of its moment of publication.
    var deliveries: AsyncStream<Delivery> { subscription.deliveries }

    /// The bus filters for `rules`: each FROM filter once (none that another covers), and the
    /// names of rules whose filter the bus cannot hold. A rule's FROM is a plain MQTT filter; one
    /// that starts with `$share/` would join a share group on the bus, so it is not subscribed
    /// (such a rule matches only topics that start with `$share/`, which the former `#`
    /// subscription never delivered either).
    static func filters(of rules: [CompiledRule]) -> (filters: [String], unusable: [String]) {
        var filters = Set<String>()
        var unusable: [String] = []
        for r in rules {
            let f = r.rule.topicFilter.text
            guard let parsed = try? MQTT.TopicFilter(f), parsed.shareGroup == nil else {
                unusable.append(r.definition.name)
                continue
            }
            filters.insert(f)
        }
        // A filter another one covers adds nothing (`application/#` covers
        // `application/+/device/+/event/up`): hold only the wider one.
        let kept = filters.filter { f in !filters.contains { $0 != f && Self.covers($0, f) } }
        return (kept.sorted(), unusable)
    }

    /// Whether every topic `filter` matches is matched by `pattern` too. `TopicFilter.covers`
    /// ignores the `$` rule (a wildcard first level does not match `$SYS/…`), so it is added here.
    static func covers(_ pattern: String, _ filter: String) -> Bool {
        guard MQTT.TopicFilter.covers(pattern: pattern, filter: filter) else { return false }
        let wildFirst = pattern.hasPrefix("#") || pattern.hasPrefix("+")
        return !(wildFirst && filter.hasPrefix("$"))
    }

    /// The rules that evaluate `message`: those whose FROM filter matches its topic, except the
    /// rule that republished it (a rule cannot feed itself).
    static func rules(for message: BrokerMessage, among rules: [CompiledRule]) -> [CompiledRule] {
        let origin = message.properties.userProperties.first(where: { $0.name == RulesService.originProperty })?.value
        var matching: [CompiledRule] = []
        for r in rules where r.definition.name != origin && r.rule.topicFilter.matches(message.topic) { matching.append(r) }
        return matching
    }

    /// Stops following the catalog and ends the subscription.
    func cancel() {
        catalog.observe(nil)
        subscription.cancel()
    }
}
