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
        let topic = { (i: Int) in s.shape == .fanIn ? "bench/\(tag)/\(i)" : "bench/\(tag)/all" }
        let filter = s.shape == .fanIn ? "bench/\(tag)/+" : "bench/\(tag)/all"

        var subs: [any Channel] = []
        for i in 0..<s.subscribers {
            let ch = try await connect(host: host, port: port, clientID: "sub-\(tag)-\(i)", stats: stats, subscriber: true)
            var b = ch.allocator.buffer(capacity: 64)
            MQTTPacket.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: filter, options: SubscriptionOptions(qos: s.qos))]))
                .encode(into: &b, version: .v311)
            try await ch.writeAndFlush(b)
            subs.append(ch)
        }
        var pubs: [any Channel] = []
        for i in 0..<s.publishers {
            pubs.append(try await connect(host: host, port: port, clientID: "pub-\(tag)-\(i)", stats: stats, subscriber: false))
        }
        // Wait for every SUBACK.
        let deadline = ContinuousClock.now + .seconds(10)
        while stats.subacks < s.subscribers && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }

        let fanout = s.shape == .fanOut ? s.clients : 1
        let start = ContinuousClock.now
        stats.start()
        var sent = 0
        let total = s.publishers * s.messagesPerPublisher
        var packetID: UInt16 = 0
        let filler = [UInt8](repeating: 0x61, count: max(0, s.payloadSize - 8))
        while sent < total {
            // Batch: one message per publisher per round, flushed together.
            let round = min(s.publishers, total - sent)
            while (sent + round) * fanout - stats.delivered > window {
                try await Task.sleep(for: .microseconds(100))
                if ContinuousClock.now - start > .seconds(60) { break }
            }
            for p in 0..<round {
                packetID = packetID == UInt16.max ? 1 : packetID + 1
                let ch = pubs[p]
                var payload = ch.allocator.buffer(capacity: s.payloadSize)
                payload.writeInteger(DispatchTime.now().uptimeNanoseconds)
                payload.writeBytes(filler)
                let packet = MQTTPacket.publish(PublishPacket(topic: topic(p), payload: payload, qos: s.qos,
                                                              packetIdentifier: s.qos == .atMostOnce ? nil : packetID))
                var b = ch.allocator.buffer(capacity: s.payloadSize + 40)
                packet.encode(into: &b, version: .v311)
                ch.writeAndFlush(b, promise: nil)
            }
            sent += round
        }
        let expected = s.expectedDeliveries
        let end = ContinuousClock.now + .seconds(20)
        while stats.delivered < expected && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(1)) }
        let result = stats.result(expected: expected)
        for ch in subs + pubs { try? await ch.close() }
        return result
    }

    private func connect(host: String, port: Int, clientID: String, stats: LoadStats, subscriber: Bool) async throws -> any Channel {
        let ch = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(MQTTDecoder(version: .v311)),
                        LoadClientHandler(stats: stats, subscriber: subscriber),
                    ])
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

/// Counts deliveries (in batches per read burst), acknowledges QoS 1, ignores everything else.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    let stats: LoadStats
    let subscriber: Bool
    var count = 0
    var latencies: [UInt64] = []
    var acks: ByteBuffer?

    init(stats: LoadStats, subscriber: Bool) { self.stats = stats; self.subscriber = subscriber }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .publish(let p):
            count += 1
            if let sentAt = p.payload.getInteger(at: p.payload.readerIndex, as: UInt64.self) {
                let now = DispatchTime.now().uptimeNanoseconds
                latencies.append(now >= sentAt ? now - sentAt : 0)
            }
            if let id = p.packetIdentifier {
                if acks == nil { acks = context.channel.allocator.buffer(capacity: 256) }
                MQTTPacket.puback(AckPacket(packetIdentifier: id)).encode(into: &acks!, version: .v311)
            }
        case .suback:
            stats.suback()
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let a = acks {
            context.writeAndFlush(NIOAny(a), promise: nil)
            acks = nil
        }
        if count > 0 {
            stats.delivered(count: count, latencies: latencies)
            count = 0
            latencies.removeAll(keepingCapacity: true)
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
