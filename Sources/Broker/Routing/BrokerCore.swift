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
    /// Pending cross-loop writes, one outbox per event loop.
    private let outboxes = Mutex<[ObjectIdentifier: Outbox]>([:])
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
    ///
    /// - Parameter batch: the calling connection's flush batch, when called from a channel
    ///   handler: writes to channels on the caller's event loop are then flushed once at the end
    ///   of the read burst instead of once per packet.
    @discardableResult
    func perform<R>(batch: FlushBatch? = nil, _ body: (inout BrokerState, Duration) -> (R, [BrokerEffect])) -> R {
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
        switch writes.count {
        case 0: break
        case 1: write(writes[0].1, to: writes[0].0, close: writes[0].2, batch: batch)
        default: writeGrouped(writes, batch: batch)
        }
        return result
    }

    func perform(batch: FlushBatch? = nil, _ body: (inout BrokerState, Duration) -> [BrokerEffect]) {
        perform(batch: batch) { state, now in ((), body(&state, now)) }
    }

    /// Many connections (fan-out): one task per foreign event loop rather than one per channel.
    private func writeGrouped(_ writes: [(ConnectionHandle, [MQTTPacket], Bool)], batch: FlushBatch?) {
        var local: [(any Channel, ByteBuffer?, Bool)] = []
        var foreign: [ObjectIdentifier: (any EventLoop, [(any Channel, ByteBuffer?, Bool)])] = [:]
        var cache: [ProtocolVersion: (MQTTPacket, ByteBuffer)] = [:]
        for (h, packets, close) in writes {
            var buffer: ByteBuffer?
            if packets.count == 1, case .publish(let p) = packets[0], p.packetIdentifier == nil,
               let cached = cache[h.version], cached.0 == packets[0] {
                // Identical QoS 0 PUBLISH for another subscriber: share the encoded bytes.
                buffer = cached.1
                metrics.publishesSent.increment()
            } else if !packets.isEmpty {
                let b = encode(packets, version: h.version, allocator: h.channel.allocator)
                if packets.count == 1, case .publish(let p) = packets[0], p.packetIdentifier == nil { cache[h.version] = (packets[0], b) }
                buffer = b
            }
            let loop = h.channel.eventLoop
            if loop.inEventLoop {
                local.append((h.channel, buffer, close))
            } else {
                foreign[ObjectIdentifier(loop), default: (loop, [])].1.append((h.channel, buffer, close))
            }
        }
        for (channel, buffer, close) in local { deliver(buffer, on: channel, close: close, batch: batch) }
        for (_, (loop, items)) in foreign { post(items, to: loop) }
    }

    /// Queues writes for another event loop. Writes that pile up while that loop is busy go out
    /// in one task with one flush per channel (fan-in: many publishers, one subscriber).
    private func post(_ items: [(any Channel, ByteBuffer?, Bool)], to loop: any EventLoop) {
        let box = outbox(for: loop)
        let schedule = box.pending.withLock { p in
            let wasEmpty = p.isEmpty
            p.append(contentsOf: items)
            return wasEmpty
        }
        guard schedule else { return }
        loop.execute {
            let items = box.pending.withLock { p in
                let x = p
                p.removeAll(keepingCapacity: true)
                return x
            }
            var toFlush: [ObjectIdentifier: any Channel] = [:]
            for (channel, buffer, close) in items {
                if let buffer { channel.write(buffer, promise: nil) }
                if close {
                    channel.flush()
                    channel.close(promise: nil)
                } else {
                    toFlush[ObjectIdentifier(channel)] = channel
                }
            }
            for c in toFlush.values { c.flush() }
        }
    }

    private func outbox(for loop: any EventLoop) -> Outbox {
        let key = ObjectIdentifier(loop)
        return outboxes.withLock { boxes in
            if let b = boxes[key] { return b }
            let b = Outbox()
            boxes[key] = b
            return b
        }
    }

    private func encode(_ packets: [MQTTPacket], version: ProtocolVersion, allocator: ByteBufferAllocator) -> ByteBuffer {
        var size = 0
        for p in packets { size += p.encodedSize(version: version) }
        var buffer = allocator.buffer(capacity: size)
        for p in packets {
            if case .publish = p { metrics.publishesSent.increment() }
            p.encode(into: &buffer, version: version)
        }
        return buffer
    }

    /// Writes on the current event loop: batched when the caller gave a batch.
    private func deliver(_ buffer: ByteBuffer?, on channel: any Channel, close: Bool, batch: FlushBatch?) {
        if close {
            if let buffer {
                channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        } else if let buffer {
            if let batch {
                channel.write(buffer, promise: nil)
                batch.add(channel)
            } else {
                channel.writeAndFlush(buffer, promise: nil)
            }
        }
    }

    private func write(_ packets: [MQTTPacket], to h: ConnectionHandle, close: Bool, batch: FlushBatch? = nil) {
        let buffer = packets.isEmpty ? nil : encode(packets, version: h.version, allocator: h.channel.allocator)
        let channel = h.channel
        if channel.eventLoop.inEventLoop {
            deliver(buffer, on: channel, close: close, batch: batch)
        } else if close {
            if let buffer {
                channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        } else if let buffer {
            post([(channel, buffer, false)], to: channel.eventLoop)
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

/// Channels written on one event loop during a read burst, flushed once when the burst ends.
/// Owned by one connection handler and used only on its event loop.
final class FlushBatch {
    private var channels: [ObjectIdentifier: any Channel] = [:]

    func add(_ channel: any Channel) {
        channels[ObjectIdentifier(channel)] = channel
    }

    func flush() {
        guard !channels.isEmpty else { return }
        for c in channels.values { c.flush() }
        channels.removeAll(keepingCapacity: true)
    }
}

/// Writes waiting to run on one event loop.
final class Outbox: Sendable {
    let pending = Mutex<[(any Channel, ByteBuffer?, Bool)]>([])
}
