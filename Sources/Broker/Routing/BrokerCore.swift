import Logging
import MQTT
import NIOCore
import Synchronization

/// The network side of one connection, as the core sees it: where to write its packets.
///
/// `pendingFlush` is touched only on the channel's event loop (by its ``LoopWriter``).
final class ConnectionHandle: @unchecked Sendable {
    let id: ConnectionID
    let channel: any Channel
    let version: ProtocolVersion
    /// The writer of the channel's event loop.
    let writer: LoopWriter
    /// Written since the last flush (event-loop confined).
    var pendingFlush = false

    init(id: ConnectionID, channel: any Channel, version: ProtocolVersion, writer: LoopWriter) {
        self.id = id; self.channel = channel; self.version = version; self.writer = writer
    }
}

/// ``BrokerState`` behind a mutex, plus what turns its effects into I/O: the channel of each
/// connection and the continuation of each in-process subscriber.
///
/// Every input takes the lock, asks the state for effects, resolves connection identifiers to
/// handles and releases the lock; the packets are encoded and written after the lock is
/// released (a write can close a channel synchronously, which re-enters the core).
///
/// Encoding: all packets one input produces are encoded into one buffer (one allocation however
/// many subscribers a message fans out to) and written as slices of it; identical QoS 0
/// PUBLISHes (same message, same protocol version, no per-subscriber properties) are encoded
/// once and the same bytes go to every subscriber. Writing: a write to a channel of the current
/// event loop is flushed once when the loop's current iteration ends (``LoopWriter``), so the
/// deliveries many publishers cause in one iteration leave in one system call per subscriber.
final class BrokerCore: Sendable {
    struct Locked {
        var state: BrokerState
        var handles: [ConnectionID: ConnectionHandle] = [:]
        var bus: [UInt64: AsyncStream<BrokerMessage>.Continuation] = [:]
        /// Bus subscribers with replaceable filter sets (``BusSubscription``).
        var receivers: [UInt64: any BusReceiver] = [:]
        var nextID: UInt64 = 0
    }

    /// One packet (or a close, when `packet` is nil) for one connection.
    struct Output {
        let handle: ConnectionHandle
        let packet: MQTTPacket?
    }

    private let locked: Mutex<Locked>
    /// One writer per event loop that serves connections.
    private let writers = Mutex<[ObjectIdentifier: LoopWriter]>([:])
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

    /// The writer for `loop` (created on first use).
    func writer(for loop: any EventLoop) -> LoopWriter {
        let key = ObjectIdentifier(loop)
        return writers.withLock { w in
            if let existing = w[key] { return existing }
            let created = LoopWriter(loop: loop)
            w[key] = created
            return created
        }
    }

    /// Runs `body` on the state under the lock and carries out the effects it returns.
    @discardableResult
    func perform<R>(_ body: (inout BrokerState, Duration) -> (R, [BrokerEffect])) -> R {
        let now = clock.now()
        var outputs: [Output] = []
        let result: R = locked.withLock { l in
            let (r, effects) = body(&l.state, now)
            guard !effects.isEmpty else { return r }
            outputs.reserveCapacity(effects.count)
            for e in effects {
                switch e {
                case let .send(id, packet):
                    if let h = l.handles[id] { outputs.append(Output(handle: h, packet: packet)) }
                case let .close(id):
                    if let h = l.handles[id] { outputs.append(Output(handle: h, packet: nil)) }
                case let .bus(id, message):
                    if let c = l.bus[id] {
                        if case .dropped = c.yield(message) { metrics.dropBusFull.increment() }
                    } else if let r = l.receivers[id], !r.receive(message) {
                        metrics.dropBusFull.increment()
                    }
                case let .dropped(reason):
                    metrics.dropped(reason)
                }
            }
            return r
        }
        if !outputs.isEmpty { dispatch(outputs) }
        return result
    }

    func perform(_ body: (inout BrokerState, Duration) -> [BrokerEffect]) {
        perform { state, now in ((), body(&state, now)) }
    }

    // MARK: Encoding and writing

    /// Whether two PUBLISHes encode to the same bytes for the same protocol version: QoS 0, same
    /// flags, topic, properties and the very same payload bytes (one routed message).
    private static func sameEncoding(_ a: PublishPacket, _ b: PublishPacket) -> Bool {
        guard a.packetIdentifier == nil, b.packetIdentifier == nil, a.qos == b.qos, a.retain == b.retain, a.dup == b.dup,
              a.payload.readableBytes == b.payload.readableBytes, a.topic == b.topic, a.properties == b.properties else { return false }
        let pa = a.payload.withUnsafeReadableBytes { $0.baseAddress }
        let pb = b.payload.withUnsafeReadableBytes { $0.baseAddress }
        return pa == pb
    }

    /// Remembers the last shareable QoS 0 PUBLISH per protocol version, and where its bytes are.
    private struct ShareSlots {
        var v311: (packet: PublishPacket, start: Int, length: Int)?
        var v5: (packet: PublishPacket, start: Int, length: Int)?

        func match(_ p: PublishPacket, _ v: ProtocolVersion) -> (packet: PublishPacket, start: Int, length: Int)? {
            guard let slot = v == .v5 ? v5 : v311, BrokerCore.sameEncoding(slot.packet, p) else { return nil }
            return slot
        }

        mutating func set(_ p: PublishPacket, start: Int, length: Int, _ v: ProtocolVersion) {
            if v == .v5 { v5 = (p, start, length) } else { v311 = (p, start, length) }
        }
    }

    private static func shareable(_ packet: MQTTPacket) -> PublishPacket? {
        if case .publish(let p) = packet, p.packetIdentifier == nil { return p }
        return nil
    }

    /// Bytes `start..<start+length` of the encode buffer for one connection, then maybe a close.
    private struct Segment {
        let handle: ConnectionHandle
        let start: Int
        var length: Int
        var close: Bool
    }

    /// Encodes every output into one buffer and writes slices of it, in order, per connection.
    ///
    /// All bytes are written before the first slice is taken: a slice shares the buffer's
    /// storage, and writing to a buffer with a live slice would copy the whole storage.
    private func dispatch(_ outputs: [Output]) {
        // Pass 1: the bytes needed, counting each shared QoS 0 encoding once.
        var total = 0
        var slots = ShareSlots()
        for o in outputs {
            guard let packet = o.packet else { continue }
            if let p = Self.shareable(packet) {
                if slots.match(p, o.handle.version) != nil { continue }
                slots.set(p, start: 0, length: 0, o.handle.version)
            }
            total += packet.encodedSize(version: o.handle.version)
        }
        var arena = outputs[0].handle.channel.allocator.buffer(capacity: total)

        // Pass 2: encode. Consecutive packets for one connection form one segment; a shared
        // encoding is a segment of its own that may point at bytes encoded for someone else.
        slots = ShareSlots()
        var segments: [Segment] = []
        segments.reserveCapacity(outputs.count)
        var published = 0
        for o in outputs {
            let h = o.handle
            guard let packet = o.packet else {
                if let last = segments.indices.last, segments[last].handle === h, !segments[last].close {
                    segments[last].close = true
                } else {
                    segments.append(Segment(handle: h, start: 0, length: 0, close: true))
                }
                continue
            }
            if case .publish = packet { published += 1 }
            if let p = Self.shareable(packet) {
                if let slot = slots.match(p, h.version) {
                    segments.append(Segment(handle: h, start: slot.start, length: slot.length, close: false))
                } else {
                    let start = arena.writerIndex
                    packet.encode(into: &arena, version: h.version)
                    slots.set(p, start: start, length: arena.writerIndex - start, h.version)
                    segments.append(Segment(handle: h, start: start, length: arena.writerIndex - start, close: false))
                }
                continue
            }
            let start = arena.writerIndex
            packet.encode(into: &arena, version: h.version)
            let length = arena.writerIndex - start
            if let last = segments.indices.last, segments[last].handle === h, !segments[last].close,
               segments[last].start + segments[last].length == start {
                segments[last].length += length
            } else {
                segments.append(Segment(handle: h, start: start, length: length, close: false))
            }
        }
        if published > 0 { metrics.publishesSent.increment(by: Int64(published)) }

        // Pass 3: hand out the slices.
        var foreign: [(LoopWriter, [LoopWriter.Item])] = []
        for segment in segments {
            let h = segment.handle
            let bytes = segment.length > 0 ? arena.getSlice(at: segment.start, length: segment.length) : nil
            if h.writer.loop.inEventLoop {
                if let bytes { h.writer.write(bytes, to: h, close: segment.close) } else if segment.close { h.writer.close(h) }
            } else {
                let item = LoopWriter.Item(handle: h, buffer: bytes, close: segment.close)
                if let i = foreign.firstIndex(where: { $0.0 === h.writer }) {
                    foreign[i].1.append(item)
                } else {
                    foreign.append((h.writer, [item]))
                }
            }
        }
        for (writer, items) in foreign { writer.post(items) }
    }

    // MARK: Connections

    func register(_ h: ConnectionHandle) {
        locked.withLock { $0.handles[h.id] = h }
    }

    func unregister(_ id: ConnectionID) {
        locked.withLock { _ = $0.handles.removeValue(forKey: id) }
    }

    // MARK: Retained messages on disk

    /// Every retained message, the change counter they are at, and the broker time now.
    func retainedSnapshot() -> (messages: [BrokerMessage], changes: UInt64, now: Duration) {
        let now = clock.now()
        return locked.withLock { l in (Array(l.state.retained.values), l.state.retainedChanges, now) }
    }

    /// Adds messages read back from disk (before any client connects); a topic already retained
    /// keeps its newer message.
    func restoreRetained(_ messages: [BrokerMessage]) {
        locked.withLock { l in
            for m in messages where l.state.retained[m.topic] == nil { l.state.retained[m.topic] = m }
        }
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

    /// Adds a subscriber with a replaceable filter set (``BusSubscription``).
    func attach(_ r: any BusReceiver, filters: Set<TopicFilter>) {
        locked.withLock { l in
            l.nextID &+= 1
            r.id = l.nextID
            l.receivers[r.id] = r
            for f in filters { l.state.subscribeBus(r.id, filter: f) }
            r.filters = filters
        }
    }

    /// Removes a ``BusSubscription``'s filters and forgets it (again: nothing).
    func detach(_ r: any BusReceiver) {
        locked.withLock { l in
            guard l.receivers.removeValue(forKey: r.id) != nil else { return }
            for f in r.filters { l.state.unsubscribeBus(r.id, filter: f) }
            r.filters = []
        }
    }

    /// Swaps a ``BusSubscription``'s filters and tag under one hold of the lock, so each routed
    /// message sees either the old pair or the new one. A detached subscription stays detached.
    func replace<Tag>(_ r: TaggedReceiver<Tag>, filters: Set<TopicFilter>, tag: Tag) {
        locked.withLock { l in
            r.tag = tag
            guard l.receivers[r.id] != nil else { return }
            for f in r.filters where !filters.contains(f) { l.state.unsubscribeBus(r.id, filter: f) }
            for f in filters where !r.filters.contains(f) { l.state.subscribeBus(r.id, filter: f) }
            r.filters = filters
        }
    }

    /// The filters a ``BusSubscription`` holds.
    func filters(of r: any BusReceiver) -> Set<TopicFilter> {
        locked.withLock { _ in r.filters }
    }

    /// How many topic filters bus subscribers hold in the tree.
    var busFilterCount: Int { locked.withLock { $0.state.busFilterCount } }

    /// Finishes every bus stream (server shutdown).
    func finishBus() {
        let (continuations, receivers) = locked.withLock { l in
            let c = Array(l.bus.values)
            l.bus.removeAll()
            let r = Array(l.receivers.values)
            for receiver in r {
                for f in receiver.filters { l.state.unsubscribeBus(receiver.id, filter: f) }
                receiver.filters = []
            }
            l.receivers.removeAll()
            return (c, r)
        }
        for c in continuations { c.finish() }
        for r in receivers { r.finish() }
    }

    /// Closes every connection (server shutdown), telling 5.0 clients why.
    func closeAll() {
        let handles = locked.withLock { Array($0.handles.values) }
        var outputs: [Output] = []
        for h in handles {
            if h.version == .v5 {
                outputs.append(Output(handle: h, packet: .disconnect(DisconnectPacket(reasonCode: .serverShuttingDown))))
            }
            outputs.append(Output(handle: h, packet: nil))
        }
        if !outputs.isEmpty { dispatch(outputs) }
    }

    var connectionCount: Int { locked.withLock { $0.handles.count } }
}

/// Writes to the channels of one event loop, flushed once per loop iteration.
///
/// The first write in an iteration schedules one task on the loop; NIO runs tasks after it has
/// handled the iteration's I/O events, so every write caused by the reads of that iteration
/// (fan-in: many publishers, one subscriber) is flushed together. Writes from other threads
/// arrive through ``post(_:)``: they pile up in an inbox while the loop is busy and are written
/// by one task.
final class LoopWriter: @unchecked Sendable {
    struct Item {
        let handle: ConnectionHandle
        let buffer: ByteBuffer?
        let close: Bool
    }

    let loop: any EventLoop
    // Event-loop confined.
    private var dirty: [ConnectionHandle] = []
    private var flushScheduled = false
    // Shared with other threads.
    private let inbox = Mutex<[Item]>([])

    init(loop: any EventLoop) { self.loop = loop }

    /// Writes `buffer` (on the loop); flushed at the end of the iteration, or now with `close`,
    /// which closes the channel once the bytes are written.
    func write(_ buffer: ByteBuffer, to h: ConnectionHandle, close: Bool = false) {
        loop.assertInEventLoop()
        let channel = h.channel
        if close {
            channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        channel.write(buffer, promise: nil)
        guard !h.pendingFlush else { return }
        h.pendingFlush = true
        dirty.append(h)
        if !flushScheduled {
            flushScheduled = true
            loop.execute { self.flush() }
        }
    }

    /// Flushes what was written and closes the channel (on the loop).
    func close(_ h: ConnectionHandle) {
        loop.assertInEventLoop()
        h.channel.flush()
        h.channel.close(promise: nil)
    }

    /// Flushes every channel written since the last flush (on the loop).
    func flush() {
        flushScheduled = false
        // By index: a flush can re-enter (a failing write closes the channel, whose handler
        // reports to the core, which may write here again).
        var i = 0
        while i < dirty.count {
            let h = dirty[i]
            h.pendingFlush = false
            h.channel.flush()
            i += 1
        }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Queues writes from another thread.
    func post(_ items: [Item]) {
        let schedule = inbox.withLock { pending in
            let wasEmpty = pending.isEmpty
            pending.append(contentsOf: items)
            return wasEmpty
        }
        guard schedule else { return }
        loop.execute {
            let items = self.inbox.withLock { pending in
                var taken: [Item] = []
                swap(&taken, &pending)
                return taken
            }
            for item in items {
                if let buffer = item.buffer {
                    self.write(buffer, to: item.handle, close: item.close)
                } else if item.close {
                    self.close(item.handle)
                }
            }
        }
    }
}
