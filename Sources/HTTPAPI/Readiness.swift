import Synchronization

/// Which parts of the server are up: `GET /readyz` answers 200 only when all are.
///
/// The server names its components at start (`udp_bridge`, `broker`, `telemetry_store`, `http`)
/// and marks each ready once it is bound or open; on graceful shutdown it marks `shutting_down`
/// not ready first, so a load balancer stops sending work before the listeners close.
public final class Readiness: Sendable {
    private let state: Mutex<[(name: String, ready: Bool)]>

    /// - Parameter components: every component that must be ready, in the order they are reported.
    public init(components: [String]) {
        state = Mutex(components.map { ($0, false) })
    }

    /// Marks a component ready (adding it when it was not named at start).
    public func markReady(_ component: String) { set(component, true) }

    /// Marks a component not ready (adding it when it was not named at start).
    public func markNotReady(_ component: String) { set(component, false) }

    /// The components not ready yet, in the order they were named.
    public var notReady: [String] {
        state.withLock { $0.filter { !$0.ready }.map(\.name) }
    }

    /// True when every component is ready.
    public var isReady: Bool { notReady.isEmpty }

    private func set(_ component: String, _ ready: Bool) {
        state.withLock { list in
            if let i = list.firstIndex(where: { $0.name == component }) { list[i].ready = ready } else { list.append((component, ready)) }
        }
    }
}
