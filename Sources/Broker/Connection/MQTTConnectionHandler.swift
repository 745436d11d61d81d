import Logging
import MQTT
import NIOCore

/// Drives one MQTT connection: decodes its bytes, handles CONNECT and authentication, then hands
/// every packet to the core.
///
/// Decoding happens here rather than in a `ByteToMessageHandler` in front: a decoded packet then
/// goes straight to the core instead of being boxed into `NIOAny`, passed down the pipeline and
/// cast back, which cost an allocation and a dynamic cast per packet. A packet split across
/// reads waits in `cumulation`.
///
/// Lives on the channel's event loop. Connection-local protocol state (topic aliases, keep-alive)
/// stays here; session state lives in the core. Anything the client does wrong closes only this
/// connection, with a DISCONNECT carrying the reason code for 5.0 clients (MQTT 5.0 §4.13).
final class MQTTConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum State {
        case awaitingConnect
        /// Waiting for the authenticator; packets that arrive meanwhile wait in `pending`.
        case authenticating(ConnectPacket, pending: [MQTTPacket])
        case connected(clientID: String, handle: ConnectionHandle)
        case closed
    }

    private var state: State = .awaitingConnect
    private let core: BrokerCore
    private let authenticator: any BrokerAuthenticator
    private let configuration: BrokerConfiguration
    private var logger: Logger
    private let connectionID: ConnectionID
    private var aliases: TopicAliasTable
    private var keepAlive: KeepAliveMonitor
    private var keepAliveTask: RepeatedTask?
    /// The DISCONNECT the client sent, if it sent one before closing.
    private var disconnect: DisconnectPacket?
    private var version: ProtocolVersion?
    /// Whether a packet arrived since the last read burst ended (keep-alive bookkeeping).
    private var sawActivity = false
    private var decoder: MQTTDecoder
    /// Bytes of an incomplete packet, waiting for the next read.
    private var cumulation: ByteBuffer?

    init(core: BrokerCore, authenticator: any BrokerAuthenticator, configuration: BrokerConfiguration, logger: Logger) {
        self.core = core
        self.authenticator = authenticator
        self.configuration = configuration
        self.connectionID = core.makeConnectionID()
        self.logger = logger
        self.logger[metadataKey: "mqtt.connection"] = "\(connectionID)"
        self.aliases = TopicAliasTable(maximum: configuration.topicAliasMaximum)
        self.keepAlive = KeepAliveMonitor(keepAlive: 0, now: core.clock.now())
        self.decoder = MQTTDecoder(maximumPacketSize: configuration.maximumPacketSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // A client must send CONNECT within a reasonable time (MQTT 5.0 §3.1.4): 30 s. Scheduled
        // here rather than in channelActive so that WebSocket connections, whose handlers are
        // added after the upgrade, get the same limit.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(30)) {
            let (handler, context) = loopBound.value
            if case .awaitingConnect = handler.state { handler.closeQuietly(context: context) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        sawActivity = true
        if var buffer = cumulation {
            cumulation = nil
            buffer.writeBuffer(&incoming)
            decodeAndHandle(&buffer, context: context)
        } else {
            decodeAndHandle(&incoming, context: context)
        }
    }

    /// Handles every complete packet in `buffer` and keeps the rest for the next read.
    private func decodeAndHandle(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        while true {
            // A packet may have closed the connection: the bytes after it are ignored.
            if case .closed = state { return }
            let packet: MQTTPacket?
            do {
                packet = try decoder.next(from: &buffer)
            } catch {
                decodingFailed(error, context: context)
                return
            }
            guard let packet else { break }
            process(packet, context: context)
        }
        if buffer.readableBytes > 0 { cumulation = buffer }
    }

    private func process(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        switch state {
        case .awaitingConnect:
            guard case .connect(let c) = packet else {
                closeQuietly(context: context)
                return
            }
            beginConnect(c, context: context)
        case .authenticating(let c, var pending):
            pending.append(packet)
            state = .authenticating(c, pending: pending)
        case let .connected(clientID, handle):
            self.handle(packet, clientID: clientID, handle: handle, context: context)
        case .closed:
            break
        }
    }

    // MARK: CONNECT

    private func beginConnect(_ c: ConnectPacket, context: ChannelHandlerContext) {
        version = c.protocolVersion
        if c.protocolVersion == .v5 && c.properties.authenticationMethod != nil {
            // Enhanced authentication (AUTH exchanges) is not supported.
            refuse(c, code: .badAuthenticationMethod, context: context)
            return
        }
        state = .authenticating(c, pending: [])
        let request = AuthenticationRequest(clientIdentifier: c.clientIdentifier, username: c.username, password: c.password)
        let authenticator = self.authenticator
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            await authenticator.authenticate(request)
        }.whenComplete { result in
            let (handler, context) = loopBound.value
            let principal = (try? result.get()) ?? nil
            handler.finishConnect(principal: principal, context: context)
        }
    }

    private func refuse(_ c: ConnectPacket, code: ReasonCode, context: ChannelHandlerContext) {
        core.metrics.connectionsRefused.increment()
        logger.debug("mqtt.connect.refuse", metadata: ["mqtt.reason": "\(code)", "mqtt.client_id": "\(c.clientIdentifier)"])
        state = .closed
        var buffer = context.channel.allocator.buffer(capacity: 16)
        MQTTPacket.connack(ConnAckPacket(reasonCode: code)).encode(into: &buffer, version: c.protocolVersion)
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func finishConnect(principal: Principal?, context: ChannelHandlerContext) {
        guard case .authenticating(let c, let pending) = state else { return }
        guard let principal else {
            refuse(c, code: .badUserNameOrPassword, context: context)
            return
        }
        let handle = ConnectionHandle(id: connectionID, channel: context.channel, version: c.protocolVersion,
                                      writer: core.writer(for: context.eventLoop))
        core.register(handle)
        let conn = connectionID
        let outcome = core.perform { state, now in
            let o = state.connect(c, principal: principal, connection: conn, now: now)
            return (o, o.effects)
        }
        if outcome.refused {
            state = .closed
            core.unregister(conn)
            core.metrics.connectionsRefused.increment()
            return
        }
        core.metrics.connectionsAccepted.increment()
        core.metrics.connectionsActive.record(core.connectionCount)
        logger[metadataKey: "mqtt.client_id"] = "\(outcome.clientID)"
        logger.debug("mqtt.connect.accept", metadata: ["mqtt.principal": "\(principal)", "mqtt.version": "\(c.protocolVersion)"])
        state = .connected(clientID: outcome.clientID, handle: handle)
        startKeepAlive(outcome.keepAlive, context: context)
        for p in pending {
            guard case let .connected(clientID, handle) = state else { break }
            self.handle(p, clientID: clientID, handle: handle, context: context)
        }
    }

    private func startKeepAlive(_ seconds: UInt16, context: ChannelHandlerContext) {
        keepAlive = KeepAliveMonitor(keepAlive: seconds, now: core.clock.now())
        guard let interval = keepAlive.checkInterval else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let amount = TimeAmount.nanoseconds(Int64(interval.components.seconds) * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)
        keepAliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: amount, delay: amount) { task in
            let (handler, context) = loopBound.value
            if handler.keepAlive.isExpired(at: handler.core.clock.now()) {
                task.cancel()
                handler.logger.debug("mqtt.keepalive.timeout")
                handler.violation(.keepAliveTimeout, context: context)
            }
        }
    }

    // MARK: Packets after CONNECT

    private func handle(_ packet: MQTTPacket, clientID: String, handle: ConnectionHandle, context: ChannelHandlerContext) {
        let conn = connectionID
        switch packet {
        case .publish(let p):
            core.metrics.publishesReceived.increment()
            let topic: String
            switch aliases.resolve(topic: p.topic, alias: p.properties.topicAlias) {
            case .success(let t): topic = t
            case .failure(let code):
                violation(code, context: context)
                return
            }
            core.perform { state, now in state.publish(p, topic: topic, clientID: clientID, connection: conn, now: now) }
        case .puback, .pubrec, .pubrel, .pubcomp:
            core.perform { state, now in state.acknowledge(packet, clientID: clientID, connection: conn, now: now) }
        case .subscribe(let s):
            core.perform { state, now in state.subscribe(s, clientID: clientID, connection: conn, now: now) }
        case .unsubscribe(let u):
            core.perform { state, _ in state.unsubscribe(u, clientID: clientID, connection: conn) }
        case .pingreq:
            var buffer = context.channel.allocator.buffer(capacity: 2)
            MQTTPacket.pingresp.encode(into: &buffer, version: handle.version)
            handle.writer.write(buffer, to: handle)
        case .disconnect(let d):
            // MQTT 5.0 §3.14.2.2.2: a Session Expiry Interval of 0 at CONNECT may not be raised.
            if d.properties.sessionExpiryInterval.map({ $0 > 0 }) == true,
               core.perform({ state, _ in (state.sessions[clientID]?.expiryInterval == 0, []) }) {
                violation(.protocolError, context: context)
                return
            }
            disconnect = d
            finish(context: context)
            context.close(promise: nil)
        case .connect:
            violation(.protocolError, context: context)
        case .connack, .suback, .unsuback, .pingresp, .auth:
            violation(.protocolError, context: context)
        }
    }

    // MARK: Errors and the end of the connection

    /// Closes this connection because of something the client did, telling a 5.0 client why.
    private func violation(_ code: ReasonCode, context: ChannelHandlerContext) {
        core.metrics.protocolErrors.increment()
        logger.debug("mqtt.connection.violation", metadata: ["mqtt.reason": "\(code)"])
        if case .closed = state { return }
        if case .authenticating = state { state = .closed }
        let channel = context.channel
        if version == .v5, case .connected = state {
            var buffer = channel.allocator.buffer(capacity: 8)
            MQTTPacket.disconnect(DisconnectPacket(reasonCode: code)).encode(into: &buffer, version: .v5)
            finish(context: context)
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            finish(context: context)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? MQTTError {
            decodingFailed(e, context: context)
            return
        }
        logger.debug("mqtt.connection.error", metadata: ["error": "\(error)"])
        finish(context: context)
        context.close(promise: nil)
    }

    /// Bytes that are not a valid packet: close, with CONNACK or DISCONNECT where the spec asks.
    private func decodingFailed(_ e: MQTTError, context: ChannelHandlerContext) {
        logger.debug("mqtt.packet.invalid", metadata: ["error": "\(e)"])
        switch state {
        case .awaitingConnect:
            // A CONNECT we could not parse: answer with CONNACK where the spec asks for one.
            if case .unsupportedProtocolVersion(let level) = e {
                let v: ProtocolVersion = level >= 5 ? .v5 : .v311
                refuse(ConnectPacket(protocolVersion: v, clientIdentifier: ""), code: .unsupportedProtocolVersion, context: context)
            } else {
                core.metrics.protocolErrors.increment()
                state = .closed
                context.close(promise: nil)
            }
        default:
            violation(e.reasonCode, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Activity is noted once per read burst rather than per packet: the keep-alive check
        // runs on this event loop, so it cannot fall between a read and its burst's end.
        if sawActivity {
            sawActivity = false
            keepAlive.activity(at: core.clock.now())
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context)
        context.fireChannelInactive()
    }

    /// Detaches from the core exactly once: the will and session expiry are handled there.
    private func finish(context: ChannelHandlerContext) {
        keepAliveTask?.cancel()
        keepAliveTask = nil
        guard case let .connected(clientID, _) = state else {
            state = .closed
            return
        }
        state = .closed
        let conn = connectionID
        let d = disconnect
        core.perform { state, now in state.connectionLost(clientID: clientID, connection: conn, disconnect: d, now: now) }
        core.unregister(conn)
        core.metrics.connectionsActive.record(core.connectionCount)
    }

    private func closeQuietly(context: ChannelHandlerContext) {
        core.metrics.protocolErrors.increment()
        state = .closed
        context.close(promise: nil)
    }
}
