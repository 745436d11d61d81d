public import LoRaWAN
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix
import PacketForwarder
import Foundation
public import ServiceLifecycle

/// The packet-forwarder UDP listener: a `Service` that receives PUSH_DATA/PULL_DATA/TX_ACK from
/// gateways, acknowledges them, delivers the received frames on `uplinks`, reports status and
/// TX_ACK results on `events`, and sends downlinks as PULL_RESP to each gateway's learned address.
///
/// ```swift
/// let bridge = GatewayBridge(configuration: .init(port: 1700), logger: logger)
/// // in a ServiceGroup; elsewhere:
/// for await frame in bridge.uplinks { … }
/// try await bridge.send(downlink)
/// ```
public final class GatewayBridge: Service, Sendable {
    /// Frames received from gateways, one per antenna that heard them, CRC-valid only (empty
    /// when the bridge was made with `batchedUplinks: true`).
    public let uplinks: AsyncStream<UplinkFrame>
    /// The same frames grouped per socket read burst, in arrival order (only when made with
    /// `batchedUplinks: true`): one stream element per burst instead of one per frame.
    public let uplinkBatches: AsyncStream<[UplinkFrame]>
    /// Status reports, TX_ACK results and gateway registrations.
    public let events: AsyncStream<GatewayBridgeEvent>

    let configuration: GatewayBridgeConfiguration
    let logger: Logger
    let core: BridgeCore
    let group: any EventLoopGroup
    let wallClockMillis: @Sendable () -> Int64
    private let uplinkContinuation: AsyncStream<UplinkFrame>.Continuation
    private let batchContinuation: AsyncStream<[UplinkFrame]>.Continuation
    let batchedUplinks: Bool
    private let eventContinuation: AsyncStream<GatewayBridgeEvent>.Continuation
    private let channelBox = NIOLockedValueBox<(any Channel)?>(nil)
    private let boundPromise: EventLoopPromise<SocketAddress>

    /// - Parameters:
    ///   - isKnownGateway: asks the registry whether a gateway is provisioned; consulted once per
    ///     gateway the first time it is heard.
    ///   - wallClockMillis: the time source for "last seen" and log rate limiting.
    ///   - batchedUplinks: deliver frames on `uplinkBatches` (one element per read burst) instead
    ///     of `uplinks`.
    public init(configuration: GatewayBridgeConfiguration, logger: Logger,
                eventLoopGroup: (any EventLoopGroup)? = nil, batchedUplinks: Bool = false,
                isKnownGateway: @escaping @Sendable (EUI64) -> Bool = { _ in false },
                wallClockMillis: (@Sendable () -> Int64)? = nil) {
        self.configuration = configuration
        self.logger = logger
        let eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        self.group = eventLoopGroup
        self.core = BridgeCore(configuration: configuration, logger: logger, isKnownGateway: isKnownGateway)
        self.wallClockMillis = wallClockMillis ?? { Int64(Date().timeIntervalSince1970 * 1000) }
        (uplinks, uplinkContinuation) = AsyncStream.makeStream(of: UplinkFrame.self, bufferingPolicy: .bufferingNewest(100_000))
        (uplinkBatches, batchContinuation) = AsyncStream.makeStream(of: [UplinkFrame].self, bufferingPolicy: .bufferingNewest(100_000))
        self.batchedUplinks = batchedUplinks
        (events, eventContinuation) = AsyncStream.makeStream(of: GatewayBridgeEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        boundPromise = eventLoopGroup.next().makePromise(of: SocketAddress.self)
    }

    deinit {
        boundPromise.fail(GatewayBridgeError.notRunning)
    }

    /// The address the listener is bound to; waits until `run()` has bound the socket.
    public var boundAddress: SocketAddress {
        get async throws { try await boundPromise.futureResult.get() }
    }

    /// Binds the socket and serves until graceful shutdown or cancellation.
    public func run() async throws {
        let core = self.core
        let uplinks = uplinkContinuation
        let batches = batchedUplinks ? batchContinuation : nil
        let events = eventContinuation
        let clock = wallClockMillis
        let n = max(1, configuration.vectorReadCount)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(max(65_536, configuration.receiveBufferBytes)))
                .channelOption(.datagramVectorReadMessageCount, value: n)
                // Without a fixed allocator vector reads truncate datagrams (PITFALLS.md).
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: n * 2048))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            DatagramHandler(core: core, uplinks: uplinks, batches: batches, events: events, clock: clock))
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            boundPromise.fail(GatewayBridgeError.bindFailed("\(error)"))
            throw GatewayBridgeError.bindFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        channelBox.withLockedValue { $0 = channel }
        if let local = channel.localAddress { boundPromise.succeed(local) }
        logger.info("packet-forwarder listener bound", metadata: ["gw.address": "\(channel.localAddress?.description ?? "?")"])
        // closeFuture.get() ignores cancellation; close the channel on shutdown or cancel (PITFALLS.md).
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await channel.closeFuture.get()
            } onGracefulShutdown: {
                channel.close(promise: nil)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
        channelBox.withLockedValue { $0 = nil }
        uplinkContinuation.finish()
        batchContinuation.finish()
        eventContinuation.finish()
        logger.info("packet-forwarder listener stopped")
    }

    /// Sends `frame` to its gateway as a PULL_RESP. The gateway's TX_ACK arrives later on
    /// `events` as `.txAck(downlinkID:…)`.
    /// - Throws: `GatewayBridgeError.gatewayNotConnected` when the gateway has not sent PULL_DATA,
    ///   `.notRunning` when the listener is not bound.
    public func send(_ frame: DownlinkFrame) async throws {
        guard let channel = channelBox.withLockedValue({ $0 }) else { throw GatewayBridgeError.notRunning }
        let (bytes, address) = try core.prepareDownlink(frame, now: wallClockMillis())
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer))
    }

    /// The current status of one gateway, or nil when it has not been heard.
    public func status(of gatewayEUI: EUI64) -> GatewayStatus? { core.status(of: gatewayEUI) }

    /// Every gateway heard since start.
    public func statuses() -> [GatewayStatus] { core.allStatuses() }
}

/// Reads datagrams, lets `BridgeCore` decide, writes the acknowledgement and hands frames on.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let core: BridgeCore
    let uplinks: AsyncStream<UplinkFrame>.Continuation
    /// When set, frames are collected during a read burst and yielded together.
    let batches: AsyncStream<[UplinkFrame]>.Continuation?
    var burst: [UplinkFrame] = []
    let events: AsyncStream<GatewayBridgeEvent>.Continuation
    let clock: @Sendable () -> Int64

    init(core: BridgeCore, uplinks: AsyncStream<UplinkFrame>.Continuation, batches: AsyncStream<[UplinkFrame]>.Continuation?,
         events: AsyncStream<GatewayBridgeEvent>.Continuation, clock: @escaping @Sendable () -> Int64) {
        self.core = core
        self.uplinks = uplinks
        self.batches = batches
        self.events = events
        self.clock = clock
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        let outcome = core.handle(bytes, from: envelope.remoteAddress, now: clock())
        if let reply = outcome.reply {
            var buffer = context.channel.allocator.buffer(capacity: reply.count)
            buffer.writeBytes(reply)
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        }
        if batches != nil {
            burst.append(contentsOf: outcome.frames)
        } else {
            for frame in outcome.frames { uplinks.yield(frame) }
        }
        for event in outcome.events { events.yield(event) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let batches, !burst.isEmpty {
            batches.yield(burst)
            burst = []
        }
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP read error (e.g. ICMP port unreachable surfacing as ECONNREFUSED) must never stop
        // the listener: log at debug and keep reading.
        core.logger.debug("UDP error", metadata: ["gw.error": "\(error)"])
    }
}
