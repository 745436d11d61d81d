import Foundation
public import Hummingbird
import Metrics
import ServiceLifecycle
import Synchronization

/// Where the live stream's events come from: the in-process broker bus (ServerApp adapts
/// `MessageBus.subscribe`), so HTTPAPI needs no import of the broker.
public struct EventStreamSource: Sendable {
    /// Starts delivering every message whose topic matches an MQTT topic filter to `deliver`,
    /// which must not block (it runs on the bus's delivery path). Returns the function that ends the
    /// subscription.
    public typealias Subscribe = @Sendable (_ topicFilter: String,
                                            _ deliver: @escaping @Sendable (_ topic: String, _ payload: ByteBuffer) -> Void) throws -> @Sendable () -> Void

    public let subscribe: Subscribe

    public init(subscribe: @escaping Subscribe) { self.subscribe = subscribe }
}

/// How the live stream treats its clients.
public struct StreamConfiguration: Sendable {
    /// Events held per client while its connection is slow; past this the oldest are dropped
    /// (counted in `lorikeet_api_stream_events_dropped_total`), so one slow client never holds
    /// back the bus or the other clients.
    public var bufferSize: Int
    /// The interval of the `: ping` comment that keeps proxies from closing an idle stream and
    /// detects a vanished client.
    public var pingInterval: Duration

    public init(bufferSize: Int = 256, pingInterval: Duration = .seconds(15)) {
        self.bufferSize = max(1, bufferSize)
        self.pingInterval = pingInterval
    }
}

/// `GET /api/stream?applicationId=&devEui=&types=up,join,…`: the device events as Server-Sent Events.
///
/// Each event is the ChirpStack v4 integration JSON exactly as published on MQTT
/// `application/{applicationId}/device/{devEui}/event/{type}`:
///
/// ```
/// : connected
///
/// event: up
/// data: {"deduplicationId":"…","deviceInfo":{…},"fCnt":7,"fPort":1,"data":"AQI=",…}
///
/// : ping
///
/// ```
///
/// Every filter is optional: `applicationId` and `devEui` narrow the bus subscription itself,
/// `types` (comma-separated `up,join,ack,txack,status,log,location,integration,alert`) is checked
/// per event. A `: dropped N` comment tells a client that fell behind how many events it lost in
/// all. The route does no authentication: the `/api` group's middleware does.
public enum StreamAPI {
    /// The event types a client may ask for (ChirpStack v4's, plus Lorikeet's `alert`).
    public static let eventTypes: Set<String> = ["up", "join", "ack", "txack", "status", "log", "location", "integration", "alert"]

    /// Adds `GET stream` to a group (mounted at `/api`).
    /// - Parameters:
    ///   - source: the bus subscription.
    ///   - configuration: buffer size and ping interval.
    ///   - clock: times the pings (inject a manual clock in tests).
    public static func addRoutes<Context: RequestContext>(to group: RouterGroup<Context>, source: EventStreamSource,
                                                          configuration: StreamConfiguration = .init(),
                                                          clock: any Clock<Duration> = ContinuousClock()) {
        let metrics = StreamMetrics()
        group.get("stream") { request, _ -> Response in
            let filter = try StreamFilter(query: request.uri.queryParameters)
            let client = try StreamClient.open(filter: filter, source: source, configuration: configuration, clock: clock, metrics: metrics)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await client.pump(into: &writer)
            })
        }
    }
}

/// The parsed query of `GET /api/stream`.
struct StreamFilter: Equatable, Sendable {
    var applicationID: String?
    /// Lower-case hex, as in the MQTT topics.
    var devEUI: String?
    /// nil = every type.
    var types: Set<String>?

    init(applicationID: String? = nil, devEUI: String? = nil, types: Set<String>? = nil) {
        self.applicationID = applicationID
        self.devEUI = devEUI
        self.types = types
    }

    /// - Throws: `APIError` 400 `invalid_parameter` naming the parameter and what is wrong.
    init(query: Parameters) throws {
        if let app = query.get("applicationId"), !app.isEmpty {
            guard app.utf8.count <= 256, !app.contains(where: { "/+#\0".contains($0) }) else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "applicationId must not contain '/', '+', '#' or NUL (and at most 256 bytes)")
            }
            applicationID = app
        }
        if let eui = query.get("devEui"), !eui.isEmpty {
            guard eui.utf8.count == 16, eui.allSatisfy(\.isHexDigit) else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "devEui must be 16 hexadecimal digits")
            }
            devEUI = eui.lowercased()
        }
        if let list = query.get("types"), !list.isEmpty {
            var types = Set<String>()
            for part in list.split(separator: ",", omittingEmptySubsequences: true) {
                let t = part.trimmingCharacters(in: .whitespaces).lowercased()
                guard StreamAPI.eventTypes.contains(t) else {
                    throw APIError(.badRequest, code: "invalid_parameter",
                                   message: "unknown event type '\(t.prefix(40))' in types (known: \(StreamAPI.eventTypes.sorted().joined(separator: ",")))")
                }
                types.insert(t)
            }
            self.types = types.isEmpty ? nil : types
        }
    }

    /// The bus filter: the fixed levels narrowed by the parameters, one type when only one is asked for.
    var topicFilter: String {
        let type = types.flatMap { $0.count == 1 ? $0.first : nil } ?? "+"
        return "application/\(applicationID ?? "+")/device/\(devEUI ?? "+")/event/\(type)"
    }

    /// The event type of a matching topic, or nil when the client did not ask for it.
    func eventType(of topic: String) -> String? {
        guard let slash = topic.lastIndex(of: "/") else { return nil }
        let type = String(topic[topic.index(after: slash)...])
        if let types, !types.contains(type) { return nil }
        return type
    }
}

/// One SSE client: a bounded buffer between the bus and its connection.
final class StreamClient: Sendable {
    enum Item: Sendable {
        case event(type: String, payload: ByteBuffer)
        case ping
    }

    let stream: AsyncStream<Item>
    let continuation: AsyncStream<Item>.Continuation
    let dropped = Mutex<Int>(0)
    let metrics: StreamMetrics

    private init(bufferSize: Int, metrics: StreamMetrics) {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(bufferSize))
        self.metrics = metrics
    }

    /// Subscribes before the response head goes out, so nothing published after the client sees
    /// `200 OK` is missed. The subscription and the pinger end when the stream terminates (the
    /// connection closed, the server shuts down, or the response was never sent).
    static func open(filter: StreamFilter, source: EventStreamSource, configuration: StreamConfiguration,
                     clock: any Clock<Duration>, metrics: StreamMetrics) throws -> StreamClient {
        let client = StreamClient(bufferSize: configuration.bufferSize, metrics: metrics)
        let cancel: @Sendable () -> Void
        do {
            cancel = try source.subscribe(filter.topicFilter) { [weak client] topic, payload in
                guard let client, let type = filter.eventType(of: topic) else { return }
                client.offer(.event(type: type, payload: payload))
            }
        } catch {
            throw APIError(.serviceUnavailable, code: "stream_unavailable", message: "cannot subscribe to the event bus: \(error)")
        }
        let interval = configuration.pingInterval
        let pinger = Task { [weak client] in
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { return }
                guard let client else { return }
                client.offer(.ping)
            }
        }
        metrics.clients.increment()
        client.continuation.onTermination = { _ in
            cancel()
            pinger.cancel()
            metrics.clients.decrement()
        }
        return client
    }

    /// Never blocks: a full buffer drops its oldest item.
    func offer(_ item: Item) {
        switch continuation.yield(item) {
        case .dropped:
            dropped.withLock { $0 += 1 }
            metrics.dropped.increment()
        case .enqueued:
            if case .event = item { metrics.events.increment() }
        case .terminated:
            break
        @unknown default:
            break
        }
    }

    /// Writes events and pings until the client goes away or the server shuts down.
    func pump(into writer: inout any ResponseBodyWriter) async throws {
        let continuation = self.continuation
        var reportedDrops = 0
        do {
            try await withGracefulShutdownHandler {
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                for await item in stream {
                    var text = ""
                    let drops = dropped.withLock { $0 }
                    if drops != reportedDrops {
                        text += ": dropped \(drops)\n\n"
                        reportedDrops = drops
                    }
                    switch item {
                    case .ping:
                        text += ": ping\n\n"
                        try await writer.write(ByteBuffer(string: text))
                    case let .event(type, payload):
                        text += "event: \(type)\ndata: "
                        var buffer = ByteBuffer(string: text)
                        buffer.writeImmutableBuffer(Self.singleLine(payload))
                        buffer.writeString("\n\n")
                        try await writer.write(buffer)
                    }
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
        } catch {
            continuation.finish()
            throw error
        }
        continuation.finish()
        try await writer.finish(nil)
    }

    /// SSE data is line-based: the event JSON is one line already (JSONEncoder without pretty
    /// printing), but a publisher's payload may hold raw newlines; those become spaces, which is
    /// the same JSON value (whitespace between tokens; JSON strings cannot contain raw newlines).
    static func singleLine(_ payload: ByteBuffer) -> ByteBuffer {
        let view = payload.readableBytesView
        guard view.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return payload }
        return ByteBuffer(bytes: view.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 })
    }
}

/// The live stream's metrics (one set per route registration).
struct StreamMetrics: Sendable {
    /// `api_stream_clients`: connected SSE clients.
    let clients = Meter(label: "api_stream_clients")
    /// `api_stream_events_total`: events queued for clients.
    let events = Counter(label: "api_stream_events_total")
    /// `api_stream_events_dropped_total`: events dropped because a client was too slow.
    let dropped = Counter(label: "api_stream_events_dropped_total")
}
