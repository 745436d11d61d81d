import MQTT

/// Who holds a subscription: an MQTT session (by client identifier) or an in-process bus subscriber.
enum SubscriberID: Hashable, Sendable {
    case client(String)
    case bus(UInt64)
}

/// A subscription as stored in the tree.
struct SubscriptionRecord: Hashable, Sendable {
    var options: SubscriptionOptions
    var identifier: UInt32?
}

/// The members of one shared subscription (`$share/{group}/{filter}`), served round-robin.
final class SharedGroup {
    var members: [(id: SubscriberID, record: SubscriptionRecord)] = []
    var cursor = 0
}

/// Subscriptions indexed by topic level, so a PUBLISH finds its subscribers by walking the levels
/// of its topic rather than testing every filter.
///
/// Each node is one level of a filter; the children `+` and `#` hold wildcard levels. Matching
/// follows MQTT 5.0 §4.7: `#` also matches the parent level (`a/#` matches `a`), and a topic whose
/// first level starts with `$` is not matched by a wildcard in the first level.
/// A reference type owned by exactly one ``BrokerState``.
final class TopicTree {
    final class Node {
        var children: [Substring: Node] = [:] {
            // The wildcard children are looked at on every level of every match: keep them at
            // hand rather than hashing "#" and "+" each time.
            didSet { hash = children["#"]; plus = children["+"] }
        }
        private(set) var hash: Node?
        private(set) var plus: Node?
        var subscribers: [SubscriberID: SubscriptionRecord] = [:]
        var shared: [String: SharedGroup] = [:]
        var isEmpty: Bool { children.isEmpty && subscribers.isEmpty && shared.isEmpty }
    }

    let root = Node()
    private(set) var count = 0

    /// Adds or replaces a subscription. Returns whether it already existed.
    @discardableResult
    func insert(_ filter: TopicFilter, subscriber: SubscriberID, record: SubscriptionRecord) -> Bool {
        var node = root
        for level in filter.filter.split(separator: "/", omittingEmptySubsequences: false) {
            if let next = node.children[level] { node = next } else {
                let next = Node()
                node.children[level] = next
                node = next
            }
        }
        if let group = filter.shareGroup {
            let g = node.shared[group] ?? SharedGroup()
            node.shared[group] = g
            if let i = g.members.firstIndex(where: { $0.id == subscriber }) {
                g.members[i].record = record
                return true
            }
            g.members.append((subscriber, record))
            count += 1
            return false
        }
        let existed = node.subscribers.updateValue(record, forKey: subscriber) != nil
        if !existed { count += 1 }
        return existed
    }

    /// Removes a subscription. Returns whether it existed.
    @discardableResult
    func remove(_ filter: TopicFilter, subscriber: SubscriberID) -> Bool {
        var path: [(Node, Substring)] = []
        var node = root
        for level in filter.filter.split(separator: "/", omittingEmptySubsequences: false) {
            guard let next = node.children[level] else { return false }
            path.append((node, level))
            node = next
        }
        var removed = false
        if let group = filter.shareGroup {
            if let g = node.shared[group], let i = g.members.firstIndex(where: { $0.id == subscriber }) {
                g.members.remove(at: i)
                if g.members.isEmpty { node.shared[group] = nil }
                removed = true
            }
        } else {
            removed = node.subscribers.removeValue(forKey: subscriber) != nil
        }
        if removed { count -= 1 }
        // Prune empty nodes bottom-up.
        var child = node
        for (parent, level) in path.reversed() {
            guard child.isEmpty else { break }
            parent.children[level] = nil
            child = parent
        }
        return removed
    }

    /// Calls `visit` with the plain subscriptions of every node whose filter matches `topic`
    /// (one call per node, so a caller can tell when a client may appear twice), and
    /// `visitShared` for every shared group with a matching filter.
    ///
    /// Walks the topic's levels in place (no split array): a level is the bytes up to the next
    /// `/`, looked up as a `Substring` of the topic.
    func match(_ topic: String, visit: ([SubscriberID: SubscriptionRecord]) -> Void, visitShared: (SharedGroup) -> Void) {
        let dollar = topic.utf8.first == UInt8(ascii: "$")
        walk(root, topic, from: topic.utf8.startIndex, first: true, dollar: dollar, visit: visit, visitShared: visitShared)
    }

    /// `position` is the start of the next level, or `nil` once every level has been consumed.
    private func walk(_ node: Node, _ topic: String, from position: String.Index?, first: Bool, dollar: Bool,
                      visit: ([SubscriberID: SubscriptionRecord]) -> Void, visitShared: (SharedGroup) -> Void) {
        guard let start = position else {
            if !node.subscribers.isEmpty { visit(node.subscribers) }
            for g in node.shared.values { visitShared(g) }
            // `a/#` matches `a` too (MQTT 5.0 §4.7.1.2).
            if let hash = node.hash {
                if !hash.subscribers.isEmpty { visit(hash.subscribers) }
                for g in hash.shared.values { visitShared(g) }
            }
            return
        }
        let utf8 = topic.utf8
        let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
        let next: String.Index? = end == utf8.endIndex ? nil : utf8.index(after: end)
        // A topic whose first level starts with `$` is not matched by a wildcard there (§4.7.2).
        if !(first && dollar) {
            if let hash = node.hash {
                if !hash.subscribers.isEmpty { visit(hash.subscribers) }
                for g in hash.shared.values { visitShared(g) }
            }
            if let plus = node.plus {
                walk(plus, topic, from: next, first: false, dollar: dollar, visit: visit, visitShared: visitShared)
            }
        }
        if let child = node.children[Substring(utf8[start..<end])] {
            walk(child, topic, from: next, first: false, dollar: dollar, visit: visit, visitShared: visitShared)
        }
    }
}
