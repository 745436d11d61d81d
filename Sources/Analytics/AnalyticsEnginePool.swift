import Foundation
public import TelemetryStore

/// A few ``AnalyticsEngine``s kept open and lent out one query at a time.
///
/// Opening an engine costs a read-only connection, an ATTACH of the registry and the
/// registration of the telemetry table and functions — a fixed cost that used to be paid by
/// every `POST /api/query`. The pool opens engines lazily up to `size`, lends each to one
/// caller at a time (an engine is not thread-safe), and makes further callers wait for one to
/// come back. An engine goes back to the pool only if it is still current (same telemetry file,
/// registry attached if there is one: ``AnalyticsEngine/isCurrent``) and idle (no transaction
/// open); otherwise it is closed and a fresh one opened on the next demand. Engines stay
/// read-only: the pool never writes.
///
/// Thread-safe; waiting callers are resumed in arrival order.
public final class AnalyticsEnginePool: @unchecked Sendable {
    // @unchecked: `idle`, `open` and `waiters` are only touched while holding `lock`; an engine
    // is used by the one caller that took it out of `idle` or opened it.

    /// Engines opened when none is configured: as many queries as the cooperative thread pool
    /// runs at once (one per core), at least 2 and at most 8.
    public static var defaultSize: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 2), 8) }

    /// How many engines may be open at once.
    public let size: Int
    let dataDirectory: String
    let configuration: TelemetryStoreConfiguration
    private let lock = NSLock()
    private var idle: [AnalyticsEngine] = []
    /// Engines open (lent or idle) plus engines being opened.
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Engines opened so far (for tests and metrics).
    private var opened = 0

    /// A pool over `<dataDirectory>`; no engine is opened until the first query.
    /// - Parameter size: at most this many engines (and concurrent queries); clamped to 1…64.
    public init(dataDirectory: String, size: Int = AnalyticsEnginePool.defaultSize, configuration: TelemetryStoreConfiguration = .init()) {
        self.dataDirectory = dataDirectory
        self.size = min(max(size, 1), 64)
        self.configuration = configuration
    }

    /// How many engines were opened since the pool was made (each reused engine counts once).
    public var enginesOpened: Int { lock.withLock { opened } }

    /// Engines open now (lent or idle).
    public var enginesOpen: Int { lock.withLock { open } }

    /// Runs `body` with an engine of the pool, waiting for one when all `size` are lent.
    ///
    /// - Throws: `AnalyticsError.open`/`.store` when no engine can be opened, or what `body`
    ///   throws. After an error other than a SQL error the engine is closed, not reused.
    public func withEngine<R>(_ body: (AnalyticsEngine) throws -> R) async throws -> R {
        let engine = try await checkOut()
        do {
            let result = try body(engine)
            checkIn(engine, reusable: true)
            return result
        } catch let error as AnalyticsError {
            if case .sql = error { checkIn(engine, reusable: true) } else { checkIn(engine, reusable: false) }
            throw error
        } catch {
            checkIn(engine, reusable: false)
            throw error
        }
    }

    /// Closes the idle engines (lent ones are closed when they come back stale or are dropped
    /// with the pool); the next query opens fresh ones.
    public func drain() {
        let closing: [AnalyticsEngine] = lock.withLock {
            open -= idle.count
            defer { idle.removeAll() }
            return idle
        }
        _ = closing // closed here, outside the lock, when the last reference goes
    }

    private enum Step {
        case engine(AnalyticsEngine)
        case openNew
        case wait
    }

    func checkOut() async throws -> AnalyticsEngine {
        while true {
            var stale: [AnalyticsEngine] = []
            let step: Step = lock.withLock {
                while let e = idle.popLast() {
                    if e.isCurrent { return .engine(e) }
                    stale.append(e)
                    open -= 1
                }
                if open < size {
                    open += 1
                    opened += 1
                    return .openNew
                }
                return .wait
            }
            stale.removeAll() // closed outside the lock
            switch step {
            case let .engine(e):
                return e
            case .openNew:
                do {
                    return try AnalyticsEngine(dataDirectory: dataDirectory, configuration: configuration)
                } catch {
                    release(slot: true)
                    throw error
                }
            case .wait:
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = lock.withLock { () -> Bool in
                        // An engine may have come back between the check above and now.
                        if !idle.isEmpty || open < size { return true }
                        waiters.append(c)
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
        }
    }

    func checkIn(_ engine: AnalyticsEngine, reusable: Bool) {
        let keep = reusable && engine.isIdle && engine.isCurrent
        let waiter: CheckedContinuation<Void, Never>? = lock.withLock {
            if keep { idle.append(engine) } else { open -= 1 }
            return waiters.isEmpty ? nil : waiters.removeFirst()
        }
        waiter?.resume()
    }

    private func release(slot: Bool) {
        let waiter: CheckedContinuation<Void, Never>? = lock.withLock {
            if slot { open -= 1 }
            return waiters.isEmpty ? nil : waiters.removeFirst()
        }
        waiter?.resume()
    }
}
