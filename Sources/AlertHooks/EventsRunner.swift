import AlertStore
public import Events
import Foundation

/// The command-line workflows over detectors, the alert store and hooks, without the server:
/// replay samples through detectors, deliver the outbox, list and acknowledge alerts.
///
/// Output lines (alert transitions) are JSON with sorted keys, the same text as the webhook body.
public enum EventsRunner {
    /// What `replay` needs.
    public struct ReplayOptions {
        public var dataDirectory: String
        /// A detectors file; nil: the definitions stored in the data directory.
        public var detectorsFile: String?
        /// A JSON-lines file, or "-" for standard input.
        public var input: String
        public var hooks: [any AlertHook]
        public var policy: RetryPolicy
        /// How long to keep delivering after the input ends (0: one pass only).
        public var deliverTimeoutSeconds: Double
        /// A final clock tick (epoch ms) after the input, so silence at the end is detected.
        public var until: Int64?

        public init(dataDirectory: String, detectorsFile: String?, input: String, hooks: [any AlertHook] = [],
                    policy: RetryPolicy = RetryPolicy(), deliverTimeoutSeconds: Double = 30, until: Int64? = nil) {
            self.dataDirectory = dataDirectory
            self.detectorsFile = detectorsFile
            self.input = input
            self.hooks = hooks
            self.policy = policy
            self.deliverTimeoutSeconds = deliverTimeoutSeconds
            self.until = until
        }
    }

    /// Counts printed at the end of a run (to standard error by the CLI).
    public struct Summary: Codable, Equatable, Sendable {
        public var samples = 0
        public var invalidLines = 0
        public var transitions = 0
        public var enqueued = 0
        public var delivered = 0
        public var pending = 0
        public var failed = 0
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// One transition as a JSON line (no newline).
    public static func jsonLine(_ t: AlertTransition) -> String {
        (try? encoder.encode(t)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Feeds samples through the detectors, stores every alert transition with its outbox entries,
    /// prints each transition once it is durable, then delivers the outbox (pending entries from
    /// earlier runs first).
    ///
    /// Before each sample, time-based detectors are ticked to the sample's time, so an absence or a
    /// timer is noticed by the next sample of any device; `until` adds a last tick.
    /// - Parameters:
    ///   - emit: receives each transition's JSON line.
    ///   - warn: receives a message per invalid input line (the run goes on).
    public static func replay(_ options: ReplayOptions, emit: (String) -> Void, warn: (String) -> Void) async throws -> Summary {
        let store = try AlertStore(dataDirectory: options.dataDirectory)
        let definitions = try options.detectorsFile.map(readDefinitions) ?? store.detectors()
        var engine = try DetectorEngine(definitions: definitions)
        var book = AlertBook(definitions: definitions, openAlerts: try store.openAlerts())
        let dispatcher = HookDispatcher(store: store, hooks: options.hooks, policy: options.policy)
        let hookIDs = dispatcher.hookIDs
        var summary = Summary()

        // Deliver what an earlier run left behind before anything new.
        _ = try await dispatcher.deliverDue()

        var lastTick: Int64 = .min
        func handle(_ outputs: [DetectorOutput]) throws {
            let transitions = book.apply(outputs)
            guard !transitions.isEmpty else { return }
            summary.enqueued += try store.record(transitions, hookIDs: hookIDs, now: HookDispatcher.wallClockMillis())
            summary.transitions += transitions.count
            for t in transitions { emit(jsonLine(t)) }
        }

        var lineNumber = 0
        func process(_ line: Substring) throws {
            lineNumber += 1
            guard !line.allSatisfy(\.isWhitespace) else { return }
            let sample: Sample
            do {
                sample = try Sample.parse(jsonLine: line, lineNumber: lineNumber)
            } catch {
                summary.invalidLines += 1
                warn("\(error)")
                return
            }
            summary.samples += 1
            if sample.time > lastTick {
                lastTick = sample.time
                try handle(engine.tick(now: sample.time))
            }
            try handle(engine.observe(sample))
        }

        if options.input == "-" {
            while let line = readLine(strippingNewline: true) { try process(Substring(line)) }
        } else {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: options.input))
            } catch {
                throw AlertHooksError.unreadableFile(path: options.input, reason: error.localizedDescription)
            }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) { try process(line) }
        }
        if let until = options.until, until > lastTick {
            try handle(engine.tick(now: until))
        }

        let deadline = HookDispatcher.wallClockMillis() + millis(options.deliverTimeoutSeconds)
        try await dispatcher.drain(deadline: deadline)
        try fillCounts(&summary, store)
        return summary
    }

    static func readDefinitions(_ path: String) throws -> [DetectorDefinition] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AlertHooksError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try DetectorDefinition.decodeList(from: data)
    }

    /// Validates a detectors file and stores (creates or replaces) every definition in it.
    /// - Returns: the ids stored.
    public static func importDetectors(dataDirectory: String, file: String) throws -> [String] {
        let definitions = try readDefinitions(file)
        let store = try AlertStore(dataDirectory: dataDirectory)
        let now = HookDispatcher.wallClockMillis()
        for d in definitions { try store.saveDetector(d, now: now) }
        return definitions.map(\.id)
    }

    /// The stored definitions as JSON lines.
    public static func listDetectors(dataDirectory: String) throws -> [String] {
        try AlertStore(dataDirectory: dataDirectory).detectors().map {
            (try? encoder.encode($0)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }

    /// Removes a stored definition; returns whether it existed.
    public static func removeDetector(dataDirectory: String, id: String) throws -> Bool {
        try AlertStore(dataDirectory: dataDirectory).deleteDetector(id: id)
    }

    /// Delivers pending outbox entries for `hooks` until none is left or the timeout passes.
    public static func deliver(dataDirectory: String, hooks: [any AlertHook], policy: RetryPolicy,
                               timeoutSeconds: Double) async throws -> Summary {
        let store = try AlertStore(dataDirectory: dataDirectory)
        let dispatcher = HookDispatcher(store: store, hooks: hooks, policy: policy)
        let deadline = HookDispatcher.wallClockMillis() + millis(timeoutSeconds)
        try await dispatcher.drain(deadline: deadline)
        var summary = Summary()
        try fillCounts(&summary, store)
        return summary
    }

    /// Alerts as JSON lines, newest first.
    public static func list(dataDirectory: String, openOnly: Bool, limit: Int) throws -> [String] {
        let store = try AlertStore(dataDirectory: dataDirectory)
        return try store.alerts(openOnly: openOnly, limit: limit).map {
            (try? encoder.encode($0)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }

    /// Acknowledges an open alert, stores the transition, enqueues it for `hooks` and delivers it.
    public static func acknowledge(dataDirectory: String, alertID: String, by who: String?, hooks: [any AlertHook],
                                   policy: RetryPolicy, timeoutSeconds: Double) async throws -> AlertTransition? {
        let store = try AlertStore(dataDirectory: dataDirectory)
        var book = AlertBook(definitions: [], openAlerts: try store.openAlerts())
        let now = HookDispatcher.wallClockMillis()
        guard let transition = try book.acknowledge(id: alertID, by: who, at: now) else { return nil }
        let dispatcher = HookDispatcher(store: store, hooks: hooks, policy: policy)
        try store.record([transition], hookIDs: dispatcher.hookIDs, now: now)
        try await dispatcher.drain(deadline: now + millis(timeoutSeconds))
        return transition
    }

    /// Seconds from the command line as milliseconds, bounded to [0, 10⁹ s] (NaN counts as 0).
    static func millis(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int64((min(seconds, 1e9) * 1000).rounded())
    }

    private static func fillCounts(_ summary: inout Summary, _ store: AlertStore) throws {
        let counts = try store.deliveryCounts()
        summary.delivered = counts[.delivered] ?? 0
        summary.pending = counts[.pending] ?? 0
        summary.failed = counts[.failed] ?? 0
    }
}
