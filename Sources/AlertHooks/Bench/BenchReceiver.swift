import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 receiver on 127.0.0.1 for the events and rules benchmarks: it answers every
/// POST with 200 and records when each key (the `Idempotency-Key` header, or another header named at
/// init) first arrived. Blocking sockets, one thread per connection: just enough to time the
/// webhook path without a second process.
public final class BenchReceiver: @unchecked Sendable {
    /// The bound port on 127.0.0.1.
    public let port: UInt16
    private let keyHeader: String
    private let listener: Int32
    private let lock = NSLock()
    private var arrivals: [String: ContinuousClock.Instant] = [:]

    /// Listens on an ephemeral port of 127.0.0.1.
    /// - Parameter keyHeader: the header whose value identifies a request (case-insensitive).
    public init(keyHeader: String = "Idempotency-Key") throws {
        self.keyHeader = keyHeader.lowercased() + ":"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw AlertHooksError.invalidHook(id: "bench", reason: "socket() failed") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw AlertHooksError.invalidHook(id: "bench", reason: "bind/listen failed")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = UInt16(bigEndian: addr.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting connections.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Distinct keys received.
    public var count: Int { lock.withLock { arrivals.count } }

    /// When `key` first arrived.
    public func arrival(_ key: String) -> ContinuousClock.Instant? { lock.withLock { arrivals[key] } }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while true {
            // Read until a full request (headers + Content-Length body) is buffered.
            var headerEnd: Int?
            var bodyLength = 0
            while true {
                if headerEnd == nil, let r = find(terminator, in: buffer) {
                    headerEnd = r
                    let head = String(decoding: buffer[0..<r], as: UTF8.self)
                    for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                        bodyLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if let h = headerEnd, buffer.count >= h + 4 + bodyLength { break }
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
            }
            guard let h = headerEnd else { return }
            let head = String(decoding: buffer[0..<h], as: UTF8.self)
            let now = ContinuousClock.now
            var key: String?
            for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix(keyHeader) {
                key = String(line.dropFirst(keyHeader.count)).trimmingCharacters(in: .whitespaces)
            }
            buffer.removeFirst(h + 4 + bodyLength)
            if let key { record(key, now) }
            let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n".utf8)
            if write(fd, response, response.count) < 0 { return }
        }
    }

    private func record(_ key: String, _ at: ContinuousClock.Instant) {
        lock.withLock {
            if arrivals[key] == nil { arrivals[key] = at }
        }
    }

    private func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
