public import Logging
import MQTT
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import ServiceLifecycle
import NIOWebSocket
import Synchronization

/// The ports the broker listens on once bound.
public struct BrokerAddresses: Sendable, Equatable {
    /// MQTT over TCP.
    public var tcpPort: Int
    /// MQTT over WebSocket, if enabled.
    public var webSocketPort: Int?
}

/// The MQTT broker as a swift-service-lifecycle `Service`: MQTT 3.1.1 and 5.0 over TCP and over
/// WebSocket (subprotocol `mqtt`), with an in-process ``bus``.
///
/// ```swift
/// let broker = BrokerServer(configuration: BrokerConfiguration(), logger: logger)
/// let group = ServiceGroup(services: [broker], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// The bus works from construction on, whether or not `run()` has started.
public final class BrokerServer: Service, Sendable {
    /// The in-process publish/subscribe interface.
    public let bus: MessageBus
    public let configuration: BrokerConfiguration
    let core: BrokerCore
    let authenticator: any BrokerAuthenticator
    let logger: Logger
    let group: any EventLoopGroup
    /// The loop that serves every connection when `singleEventLoop` is set (and runs the tick).
    let connectionLoop: any EventLoop
    private let bound: EventLoopPromise<BrokerAddresses>

    /// - Parameters:
    ///   - configuration: listeners, limits, users and access rules.
    ///   - logger: lifecycle events at info, per-packet events at debug/trace.
    ///   - authenticator: decides who connects; defaults to the configuration's user list.
    ///   - clock: time source for keep-alive, will delay and expiry (inject a manual one in tests).
    ///   - eventLoopGroup: the NIO event loops to run on.
    public init(configuration: BrokerConfiguration, logger: Logger, authenticator: (any BrokerAuthenticator)? = nil,
                clock: any BrokerClock = SystemBrokerClock(),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.logger = logger
        self.authenticator = authenticator ?? ConfigurationAuthenticator(configuration: configuration)
        self.core = BrokerCore(configuration: configuration, clock: clock, logger: logger)
        self.bus = MessageBus(core: core)
        self.group = eventLoopGroup
        self.connectionLoop = eventLoopGroup.next()
        self.bound = eventLoopGroup.next().makePromise(of: BrokerAddresses.self)
    }

    deinit {
        // Never bound (the service never ran): release anyone waiting. A second completion is ignored.
        bound.fail(CancellationError())
    }

    /// Waits until the listeners are bound (useful with port 0) and returns their ports.
    public func waitUntilBound() async throws -> BrokerAddresses {
        try await bound.futureResult.get()
    }

    public func run() async throws {
        let tcp: any Channel
        var ws: (any Channel)?
        do {
            tcp = try await bindTCP()
            if let wsPort = configuration.webSocketPort { ws = try await bindWebSocket(port: wsPort) }
        } catch {
            bound.fail(error)
            throw error
        }
        let addresses = BrokerAddresses(tcpPort: tcp.localAddress?.port ?? configuration.port, webSocketPort: ws?.localAddress?.port)
        logger.info("broker.listen", metadata: ["broker.host": "\(configuration.host)", "broker.tcp_port": "\(addresses.tcpPort)",
                                                 "broker.ws_port": "\(addresses.webSocketPort.map(String.init) ?? "off")"])
        bound.succeed(addresses)

        let core = self.core
        let interval = TimeAmount.milliseconds(Int64(max(10, configuration.tickIntervalMilliseconds)))
        let tick = connectionLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            core.perform { state, now in state.tick(now: now) }
        }
        let wsChannel = ws
        let shutdown: @Sendable () -> Void = {
            tick.cancel()
            tcp.close(promise: nil)
            wsChannel?.close(promise: nil)
            core.closeAll()
            core.finishBus()
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await tcp.closeFuture.get()
                if let wsChannel { try await wsChannel.closeFuture.get() }
            } onGracefulShutdown: {
                shutdown()
            }
        } onCancel: {
            shutdown()
        }
        logger.info("broker.stop")
    }

    private func mqttHandlers() -> [any ChannelHandler] {
        // The connection handler decodes MQTT itself (see MQTTConnectionHandler).
        [MQTTConnectionHandler(core: core, authenticator: authenticator, configuration: configuration, logger: logger)]
    }

    /// Where accepted connections live: one loop, or all of the group's.
    private var childGroup: any EventLoopGroup {
        configuration.singleEventLoop ? connectionLoop : group
    }

    private func bindTCP() async throws -> any Channel {
        let server = self
        return try await ServerBootstrap(group: group, childGroup: childGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(server.mqttHandlers())
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
    }

    private func bindWebSocket(port: Int) async throws -> any Channel {
        let server = self
        let maxFrame = max(configuration.maximumPacketSize, 1 << 16)
        return try await ServerBootstrap(group: group, childGroup: childGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: maxFrame,
                    shouldUpgrade: { channel, head in
                        // MQTT 5.0 §6: the subprotocol is `mqtt`. Clients that offer none are
                        // accepted too; clients that offer only others are refused.
                        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map { $0.lowercased() }
                        var headers = HTTPHeaders()
                        if offered.isEmpty { return channel.eventLoop.makeSucceededFuture(headers) }
                        guard offered.contains("mqtt") else { return channel.eventLoop.makeSucceededFuture(nil) }
                        headers.add(name: "Sec-WebSocket-Protocol", value: "mqtt")
                        return channel.eventLoop.makeSucceededFuture(headers)
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(WebSocketMQTTHandler())
                            try channel.pipeline.syncOperations.addHandlers(server.mqttHandlers())
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: configuration.host, port: port).get()
    }
}
