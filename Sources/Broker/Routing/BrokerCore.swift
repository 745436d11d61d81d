import Logging
import MQTT
import NIOCore
import Synchronization

/// The network side of one connection, as the core sees it: where to write its packets.
final class ConnectionHandle: Sendable {
    let id: ConnectionID
    let channel: any Channel
    let version: ProtocolVersion

    init(id: ConnectionID, channel: any Channel, version: ProtocolVersion) {
        self.id = id; self.channel = channel; self.version = version
    }
}

/// ``BrokerState`` behind a mutex, plus what turns its effects into I/O: the channel of each
/// connection and the continuation of each in-process subscriber.
///
/// Every input takes the lock, asks the state for effects, resolves connection identifiers to
/// channels and releases the lock; the packets are encoded and written after the lock is
/// released (a write can close a channel synchronously, which re-enters the core).
final class BrokerCore: Sendable {
    struct Locked {
        var state: BrokerState
        var handles: [ConnectionID: ConnectionHandle] = [:]
        var bus: [UInt64: AsyncStream<BrokerMessage>.Continuation] = [:]
        var nextID: UInt64 = 0
    }

    private let locked: Mutex<Locked>
    let clock: any BrokerClock
    let metrics = BrokerMetrics()
    let logger: Logger

    init(configuration: BrokerConfiguration, clock: any BrokerClock, logger: Logger) {
        let policy = AccessPolicy(rules: configuration.acl, defaultEffect: configuration.aclDefault)
        locked = Mutex(Locked(state: BrokerState(limits: BrokerLimits(configuration), policy: policy)))
        self.clock = clock
        self.logger = logger
    }

    func makeConnectionID() -> ConnectionID {
        locked.withLock { l in
            l.nextID &+= 1
            return ConnectionID(l.nextID)
        }
    }

    /// Runs `body` on the state under the lock and carries out the effects it returns.
    @discardableResult
    func perform<R>(_ body: (inout BrokerState, Duration) -> (R, [BrokerEffect])) -> R {
        let now = clock.now()
        var writes: [(ConnectionHandle, [MQTTPacket], Bool)] = []
        let result: R = locked.withLock { l in
            let (r, effects) = body(&l.state, now)
            guard !effects.isEmpty else { return r }
            for e in effects {
                switch e {
                case let .send(id, packet):
                    guard let h = l.handles[id] else { continue }
                    if let last = writes.indices.last, writes[last].0 === h, !writes[last].2 {
                        writes[last].1.append(packet)
                    } else {
                        writes.append((h, [packet], false))
                    }
                case let .close(id):
                    guard let h = l.handles[id] else { continue }
                    if let last = writes.indices.last, writes[last].0 === h {
                        writes[last].2 = true
                    } else {
                        writes.append((h, [], true))
                    }
                case let .bus(id, message):
                    if let c = l.bus[id], case .dropped = c.yield(message) { metrics.dropBusFull.increment() }
                case let .dropped(reason):
                    metrics.dropped(reason)
                }
            }
            return r
        }
        for (h, packets, close) in writes { write(packets, to: h, close: close) }
        return result
    }

    func perform(_ body: (inout BrokerState, Duration) -> [BrokerEffect]) {
        perform { state, now in ((), body(&state, now)) }
    }

    private func write(_ packets: [MQTTPacket], to h: ConnectionHandle, close: Bool) {
        let channel = h.channel
        if !packets.isEmpty {
            var size = 0
            for p in packets { size += p.encodedSize(version: h.version) }
            var buffer = channel.allocator.buffer(capacity: size)
            for p in packets {
                if case .publish = p { metrics.publishesSent.increment() }
                p.encode(into: &buffer, version: h.version)
            }
            if close {
                channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.writeAndFlush(buffer, promise: nil)
            }
        } else if close {
            channel.close(promise: nil)
        }
    }

    // MARK: Connections

    func register(_ h: ConnectionHandle) {
        locked.withLock { $0.handles[h.id] = h }
    }

    func unregister(_ id: ConnectionID) {
        locked.withLock { _ = $0.handles.removeValue(forKey: id) }
    }

    // MARK: Bus

    func subscribeBus(filter: TopicFilter, includeRetained: Bool, bufferSize: Int) -> AsyncStream<BrokerMessage> {
        let (stream, continuation) = AsyncStream<BrokerMessage>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let now = clock.now()
        let id: UInt64 = locked.withLock { l in
            l.nextID &+= 1
            let id = l.nextID
            l.bus[id] = continuation
            l.state.subscribeBus(id, filter: filter)
            if includeRetained && filter.shareGroup == nil {
                for m in l.state.retainedMessages(matching: filter, now: now) { continuation.yield(m) }
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.locked.withLock { l in
                l.bus[id] = nil
                l.state.unsubscribeBus(id, filter: filter)
            }
        }
        return stream
    }

    /// Finishes every bus stream (server shutdown).
    func finishBus() {
        let continuations = locked.withLock { l in
            let c = Array(l.bus.values)
            l.bus.removeAll()
            return c
        }
        for c in continuations { c.finish() }
    }

    /// Closes every connection (server shutdown), telling 5.0 clients why.
    func closeAll() {
        let handles = locked.withLock { Array($0.handles.values) }
        for h in handles {
            if h.version == .v5 {
                write([.disconnect(DisconnectPacket(reasonCode: .serverShuttingDown))], to: h, close: true)
            } else {
                h.channel.close(promise: nil)
            }
        }
    }

    var connectionCount: Int { locked.withLock { $0.handles.count } }
}
