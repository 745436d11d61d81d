public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import NIOPosix

/// One outgoing webhook request as the hooks build it: pure data, so tests can check the wire
/// format without a socket.
public struct WebhookRequest: Sendable, Equatable {
    /// `POST` (alert hooks) or the rule action's method.
    public var method: String
    /// An absolute http(s) URL.
    public var url: String
    /// Header fields in the order they are sent (names as given; HTTP compares them case-insensitively).
    public var headers: [(name: String, value: String)]
    /// The exact bytes that were signed.
    public var body: [UInt8]

    /// A request as built by a hook (not validated here: ``WebhookHTTPClient/send(_:timeoutSeconds:)`` checks it).
    public init(method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The last value of the header `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.last { $0.name.lowercased() == lower }?.value
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body
            && a.headers.elementsEqual(b.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// The HTTP client every webhook of a process shares: async-http-client on the process's NIO event
/// loops (`MultiThreadedEventLoopGroup.singleton`, which the broker, the UDP bridge and the HTTP
/// API also run on), HTTP/1.1 connections kept alive and reused, at most `maxConnectionsPerHost`
/// connections per host (further requests wait for a free connection instead of opening more).
///
/// Why not URLSession: on Linux it runs over libcurl with dispatch-queue hand-offs per request,
/// which cost most of the CPU of a webhook and capped the rules' webhook path below 1,000 requests/s.
///
/// Call ``shutdown()`` when done (`serve` does it at graceful shutdown); ``shared`` is for one-shot
/// command-line runs and lives as long as the process.
public final class WebhookHTTPClient: @unchecked Sendable {
    /// The client is created at the first request, so a server that never sends a webhook (or is
    /// built and dropped, as in tests) opens nothing and has nothing to shut down.
    private enum State {
        case idle
        case running(HTTPClient)
        case shutDown
    }

    private let lock = NSLock()
    private var state = State.idle
    private let configuration: HTTPClient.Configuration
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    /// The per-host connection bound.
    public let maxConnectionsPerHost: Int

    /// A client for command-line runs (never shut down; the process ends instead).
    public static let shared = WebhookHTTPClient()

    /// - Parameters:
    ///   - maxConnectionsPerHost: kept-alive connections per host (HTTP/1.1 allows one request
    ///     in flight per connection, so this bounds concurrency per receiver).
    ///   - connectTimeoutSeconds: how long to wait for a TCP connection.
    ///   - idleTimeoutSeconds: how long an unused connection stays open for reuse.
    public init(maxConnectionsPerHost: Int = 16, connectTimeoutSeconds: Double = 5, idleTimeoutSeconds: Double = 60,
                eventLoopGroup: MultiThreadedEventLoopGroup = .singleton) {
        // A redirect of a signed POST is not followed; responses are not decompressed (only the status matters).
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Self.millis(connectTimeoutSeconds))),
            connectionPool: .init(idleTimeout: .milliseconds(Self.millis(idleTimeoutSeconds)),
                                  concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnectionsPerHost)),
            decompression: .disabled)
        // Webhook receivers are HTTP/1.1 servers; one request per connection at a time.
        configuration.httpVersion = .http1Only
        // A refused connection fails the attempt at once: the outbox's own retry policy (backoff,
        // attempt count, give-up) decides what happens next, not the pool silently waiting.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
    }

    /// The running client, created on first use; nil after ``shutdown()``.
    private func running() -> HTTPClient? {
        lock.withLock {
            switch state {
            case let .running(c): return c
            case .shutDown: return nil
            case .idle:
                let c = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
                state = .running(c)
                return c
            }
        }
    }

    /// Closes every connection; outstanding and later requests fail (as transport errors).
    public func shutdown() async {
        let client: HTTPClient? = lock.withLock {
            defer { state = .shutDown }
            if case let .running(c) = state { return c }
            return nil
        }
        try? await client?.shutdown()
    }

    /// Thrown by ``send(_:timeoutSeconds:)`` after ``shutdown()`` (retryable: the next process sends it).
    public struct ShutDown: Error, CustomStringConvertible {
        public var description: String { "the webhook client is shut down" }
    }

    static func millis(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return Int64((min(seconds, 86_400) * 1000).rounded())
    }

    /// The largest response body read (and discarded) to keep a connection reusable; a longer body
    /// closes the connection instead.
    static let maxDrainedBody = 1 << 20

    /// Sends `request` and returns the HTTP status, or throws a transport error (refused, timeout,
    /// reset) or a ``RequestError`` for a request that can never be sent (bad URL or header).
    public func send(_ request: WebhookRequest, timeoutSeconds: Double) async throws -> Int {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw RequestError(reason: "not an http(s) URL: \(request.url)")
        }
        var r = HTTPClientRequest(url: request.url)
        r.method = HTTPMethod(rawValue: request.method)
        for h in request.headers {
            guard Self.isToken(h.name), !h.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw RequestError(reason: "invalid header \(h.name)")
            }
            r.headers.add(name: h.name, value: h.value)
        }
        r.body = .bytes(ByteBuffer(bytes: request.body))
        guard let client = running() else { throw ShutDown() }
        let response = try await client.execute(r, timeout: .milliseconds(Self.millis(timeoutSeconds)))
        // Read the body to its end so the connection goes back to the pool (bounded: a huge body
        // ends the read, and the connection is closed rather than reused).
        var read = 0
        for try await chunk in response.body {
            read += chunk.readableBytes
            if read > Self.maxDrainedBody { break }
        }
        return Int(response.status.code)
    }

    /// A request that can never be sent as built (a permanent failure).
    public struct RequestError: Error, CustomStringConvertible {
        /// What is wrong with the request (bad URL, header name or value).
        public var reason: String
        public var description: String { reason }
    }

    /// RFC 9110 §5.6.2 token (header field names).
    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { c in
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(c)
            }
        }
    }
}
