import Foundation
public import MQTT
import NIOCore
import NIOPosix
import Synchronization

/// One benchmark scenario: how many clients publish and subscribe, at which QoS and payload size.
public struct LoadScenario: Sendable, CustomStringConvertible {
    public enum Shape: String, Sendable {
        /// Many publishers → one wildcard subscriber.
        case fanIn = "fan-in"
        /// One publisher → many subscribers of the same topic.
        case fanOut = "fan-out"
    }

    public var shape: Shape
    public var clients: Int
    public var qos: QoS
    public var payloadSize: Int
    /// Messages each publisher sends.
    public var messagesPerPublisher: Int

    public init(shape: Shape, clients: Int, qos: QoS, payloadSize: Int, messagesPerPublisher: Int) {
        self.shape = shape; self.clients = clients; self.qos = qos; self.payloadSize = payloadSize
        self.messagesPerPublisher = messagesPerPublisher
    }

    public var description: String { "\(shape.rawValue) \(clients) QoS\(qos.rawValue) \(payloadSize)B" }

    var publishers: Int { shape == .fanIn ? clients : 1 }
    var subscribers: Int { shape == .fanIn ? 1 : clients }
    var expectedDeliveries: Int { publishers * messagesPerPublisher * (shape == .fanOut ? clients : 1) }
}

/// What one run measured.
public struct LoadResult: Sendable {
    public var delivered: Int
    public var expected: Int
    public var seconds: Double
    public var p50Microseconds: Double
    public var p99Microseconds: Double
    public var messagesPerSecond: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
}

/// A broker-neutral MQTT 3.1.1 load generator over TCP: it works against any broker.
///
/// Publishers send as fast as a shared window allows (at most `window` deliveries outstanding,
/// so neither broker is pushed into dropping or unbounded queueing); subscribers acknowledge QoS 1
/// and record latency from a send timestamp carried in the first 8 payload bytes. Throughput is
/// delivered messages divided by the time from the first publish to the last delivery.
public final class BrokerLoadGenerator: Sendable {
    let group: MultiThreadedEventLoopGroup
    public init(threads: Int = 1) { group = MultiThreadedEventLoopGroup(numberOfThreads: threads) }

    public func shutdown() async throws { try await group.shutdownGracefully() }

    public func run(_ s: LoadScenario, host: String, port: Int, window: Int = 2000) async throws -> LoadResult {
        let stats = LoadStats()
        let tag = UUID().uuidString.prefix(8)
        let filter = s.shape == .fanIn ? "bench/\(tag)/+" : "bench/\(tag)/all"
        let loop = group.next()
        let driver = PublishDriver(scenario: s, tag: String(tag), window: window, stats: stats, loop: loop)

        var subs: [any Channel] = []
        for i in 0..<s.subscribers {
            let ch = try await connect(host: host, port: port, clientID: "sub-\(tag)-\(i)", stats: stats, driver: driver, loop: loop)
            var b = ch.allocator.buffer(capacity: 64)
            MQTTPacket.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: filter, options: SubscriptionOptions(qos: s.qos))]))
                .encode(into: &b, version: .v311)
            try await ch.writeAndFlush(b)
            subs.append(ch)
        }
        var pubs: [any Channel] = []
        for i in 0..<s.publishers {
            pubs.append(try await connect(host: host, port: port, clientID: "pub-\(tag)-\(i)", stats: stats, driver: nil, loop: loop))
        }
        // Wait for every SUBACK.
        let deadline = ContinuousClock.now + .seconds(10)
        while stats.subacks < s.subscribers && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }

        // The publishers are driven on the client event loop itself: each batch of deliveries
        // that comes in releases the next rounds, so the generator spends no thread hops or
        // polling sleeps per message (identical for every broker it drives).
        let publishers = pubs
        let done = try await loop.submit { driver.start(publishers: publishers) }.get()
        _ = try? await done.futureResult.get()
        let result = stats.result(expected: s.expectedDeliveries)
        for ch in subs + pubs { try? await ch.close() }
        return result
    }

    private func connect(host: String, port: Int, clientID: String, stats: LoadStats, driver: PublishDriver?,
                         loop: any EventLoop) async throws -> any Channel {
        let ch = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LoadClientHandler(stats: stats, driver: driver))
                }
            }
            .connect(host: host, port: port).get()
        var b = ch.allocator.buffer(capacity: 64)
        MQTTPacket.connect(ConnectPacket(protocolVersion: .v311, clientIdentifier: clientID, cleanStart: true, keepAlive: 120))
            .encode(into: &b, version: .v311)
        try await ch.writeAndFlush(b)
        return ch
    }
}

/// Counters shared by every client of one run.
final class LoadStats: Sendable {
    struct State {
        var delivered = 0
        var subacks = 0
        var startNanos: UInt64 = 0
        var lastNanos: UInt64 = 0
        var latencies: [UInt64] = []
    }
    let state = Mutex(State())

    var delivered: Int { state.withLock { $0.delivered } }
    var subacks: Int { state.withLock { $0.subacks } }
    func start() { state.withLock { $0.startNanos = DispatchTime.now().uptimeNanoseconds } }
    func suback() { state.withLock { $0.subacks += 1 } }

    func delivered(count: Int, latencies: [UInt64]) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock {
            $0.delivered += count
            $0.lastNanos = now
            $0.latencies += latencies
        }
    }

    func result(expected: Int) -> LoadResult {
        state.withLock { s in
            let lat = s.latencies.sorted()
            func pct(_ p: Double) -> Double {
                guard !lat.isEmpty else { return 0 }
                return Double(lat[min(lat.count - 1, Int(Double(lat.count) * p))]) / 1000
            }
            let seconds = s.lastNanos > s.startNanos ? Double(s.lastNanos - s.startNanos) / 1e9 : 0
            return LoadResult(delivered: s.delivered, expected: expected, seconds: seconds, p50Microseconds: pct(0.5), p99Microseconds: pct(0.99))
        }
    }
}

/// Sends the publishers' messages in rounds (one message per publisher per round) while at most
/// `window` deliveries are outstanding. Lives on the client event loop.
final class PublishDriver: @unchecked Sendable {
    let scenario: LoadScenario
    let window: Int
    let stats: LoadStats
    let loop: any EventLoop
    let topics: [String]
    let filler: [UInt8]
    // Event-loop confined.
    var publishers: [any Channel] = []
    var sent = 0
    var delivered = 0
    var packetID: UInt16 = 0
    var finished: EventLoopPromise<Void>?
    var timeout: Scheduled<Void>?

    init(scenario s: LoadScenario, tag: String, window: Int, stats: LoadStats, loop: any EventLoop) {
        scenario = s; self.window = window; self.stats = stats; self.loop = loop
        topics = (0..<s.publishers).map { s.shape == .fanIn ? "bench/\(tag)/\($0)" : "bench/\(tag)/all" }
        filler = [UInt8](repeating: 0x61, count: max(0, s.payloadSize - 8))
    }

    var fanout: Int { scenario.shape == .fanOut ? scenario.clients : 1 }
    var total: Int { scenario.publishers * scenario.messagesPerPublisher }

    /// Starts publishing; the future completes when every delivery arrived or after 60 s.
    func start(publishers: [any Channel]) -> EventLoopPromise<Void> {
        self.publishers = publishers
        let promise = loop.makePromise(of: Void.self)
        finished = promise
        timeout = loop.scheduleTask(in: .seconds(60)) { [self] in complete() }
        stats.start()
        pump()
        return promise
    }

    /// Subscribers report deliveries here (on the loop) once per read burst.
    func delivered(_ n: Int) {
        delivered += n
        if delivered >= scenario.expectedDeliveries { complete(); return }
        pump()
    }

    private func complete() {
        timeout?.cancel()
        finished?.succeed(())
        finished = nil
    }

    private func pump() {
        guard finished != nil else { return }
        while sent < total {
            let round = min(scenario.publishers, total - sent)
            guard (sent + round) * fanout - delivered <= window else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            let qos = scenario.qos.rawValue
            for p in 0..<round {
                packetID = packetID == UInt16.max ? 1 : packetID + 1
                let ch = publishers[p]
                // MQTT 3.1.1 §3.3 PUBLISH, written directly: fixed header, topic, packet
                // identifier (QoS > 0), payload = send time (8 bytes) + filler.
                let topic = topics[p]
                let remaining = 2 + topic.utf8.count + (qos > 0 ? 2 : 0) + 8 + filler.count
                var b = ch.allocator.buffer(capacity: remaining + 5)
                b.writeInteger(UInt8(0x30 | qos << 1))
                var n = remaining
                repeat {
                    b.writeInteger(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0))
                    n >>= 7
                } while n > 0
                b.writeInteger(UInt16(topic.utf8.count))
                b.writeString(topic)
                if qos > 0 { b.writeInteger(packetID) }
                b.writeInteger(now)
                b.writeBytes(filler)
                ch.writeAndFlush(b, promise: nil)
            }
            sent += round
        }
    }
}

/// Counts deliveries (in batches per read burst), acknowledges QoS 1, ignores everything else.
///
/// Reads the byte stream itself and looks only at what it needs (packet type, QoS, packet
/// identifier, the timestamp in the payload) instead of decoding whole packets: the generator's
/// cost per delivery stays well below a broker's, so it is not what limits the figures.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let stats: LoadStats
    /// Set for subscribers: told about deliveries so it can publish more.
    let driver: PublishDriver?
    var count = 0
    var latencies: [UInt64] = []
    var acks: ByteBuffer?
    var cumulation: ByteBuffer?

    init(stats: LoadStats, driver: PublishDriver?) { self.stats = stats; self.driver = driver }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var buffer = cumulation {
            cumulation = nil
            buffer.writeBuffer(&incoming)
            scan(&buffer, context: context)
        } else {
            scan(&incoming, context: context)
        }
    }

    /// Walks the complete packets in `buffer` (MQTT 3.1.1 framing: type byte, remaining length).
    private func scan(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        while let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            var length = 0, shift = 0, headerSize = 1
            var complete = false
            while headerSize <= 4, let b = buffer.getInteger(at: buffer.readerIndex + headerSize, as: UInt8.self) {
                length |= Int(b & 0x7F) << shift
                shift += 7
                headerSize += 1
                if b & 0x80 == 0 { complete = true; break }
            }
            guard complete, buffer.readableBytes >= headerSize + length else { break }
            let body = buffer.readerIndex + headerSize
            switch first >> 4 {
            case 3:  // PUBLISH: topic, packet identifier (QoS > 0), payload with the send time first.
                count += 1
                let qos = (first >> 1) & 0x03
                let topicLength = Int(buffer.getInteger(at: body, as: UInt16.self) ?? 0)
                var payload = body + 2 + topicLength
                if qos > 0, let id = buffer.getInteger(at: payload, as: UInt16.self) {
                    payload += 2
                    if acks == nil { acks = context.channel.allocator.buffer(capacity: 256) }
                    acks?.writeBytes([0x40, 0x02])
                    acks?.writeInteger(id)
                }
                if payload + 8 <= body + length, let sentAt = buffer.getInteger(at: payload, as: UInt64.self) {
                    let now = DispatchTime.now().uptimeNanoseconds
                    latencies.append(now >= sentAt ? now - sentAt : 0)
                }
            case 9:  // SUBACK
                stats.suback()
            default:
                break
            }
            buffer.moveReaderIndex(forwardBy: headerSize + length)
        }
        if buffer.readableBytes > 0 { cumulation = buffer }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let a = acks {
            context.writeAndFlush(NIOAny(a), promise: nil)
            acks = nil
        }
        if count > 0 {
            let n = count
            stats.delivered(count: n, latencies: latencies)
            count = 0
            latencies.removeAll(keepingCapacity: true)
            driver?.delivered(n)
        }
        context.fireChannelReadComplete()
    }
}

extension BrokerLoadGenerator {
    /// A TCP port on 127.0.0.1 that was free a moment ago (for starting an external broker).
    public func freePort() async throws -> Int {
        let ch = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = ch.localAddress?.port ?? 0
        try await ch.close()
        return port
    }

    /// Waits until something accepts TCP connections on `port`.
    public func waitForListener(port: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                let ch = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
                try await ch.close()
                return
            } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
