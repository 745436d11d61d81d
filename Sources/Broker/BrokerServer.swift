import Foundation
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
    /// The retained-message change counter of the last successful save.
    private let savedRetainedChanges = Mutex<UInt64>(0)

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
        loadRetained()
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
        let saver = Task { [self] in await self.saveRetainedPeriodically() }
        let shutdown: @Sendable () -> Void = {
            tick.cancel()
            saver.cancel()
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
        _ = await saver.result
        saveRetained(force: true)
        logger.info("broker.stop")
    }

    // MARK: Retained messages across restarts

    /// Reads `retainedFile` (when configured) into the broker before it accepts connections.
    /// A missing file is a first start; a damaged one is logged with the reason and ignored
    /// (it is replaced at the next save).
    func loadRetained() {
        guard let path = configuration.retainedFile else { return }
        guard let data = FileManager.default.contents(atPath: path) else { return }
        do {
            let messages = try RetainedFile.decode(ByteBuffer(bytes: data), now: core.clock.now())
            core.restoreRetained(messages)
            logger.info("broker.retained_loaded", metadata: ["broker.retained": "\(messages.count)", "broker.path": "\(path)"])
        } catch {
            logger.warning("broker.retained_not_loaded", metadata: ["broker.path": "\(path)", "broker.error": "\(error)"])
        }
    }

    /// Writes the retained messages to `retainedFile` when they changed since the last write
    /// (or always with `force`): a temporary file renamed into place, so a crash mid-write
    /// leaves the previous file.
    func saveRetained(force: Bool = false) {
        guard let path = configuration.retainedFile else { return }
        let snapshot = core.retainedSnapshot()
        guard force || snapshot.changes != savedRetainedChanges.withLock({ $0 }) else { return }
        let buffer = RetainedFile.encode(snapshot.messages, now: snapshot.now)
        do {
            try Data(buffer.readableBytesView).write(to: URL(fileURLWithPath: path), options: .atomic)
            savedRetainedChanges.withLock { $0 = snapshot.changes }
        } catch {
            logger.warning("broker.retained_not_saved", metadata: ["broker.path": "\(path)", "broker.error": "\(error)"])
        }
    }

    private func saveRetainedPeriodically() async {
        guard configuration.retainedFile != nil else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(configuration.retainedSaveSeconds)) } catch { return }
            saveRetained()
        }
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
