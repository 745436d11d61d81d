import CJavaScriptCore
import Foundation

/// A JavaScriptCore context group that runs payload codecs under time and memory limits.
///
/// One engine is one JavaScriptCore VM (a *context group*: one heap, one lock). Every codec loaded
/// into it gets its own global context in that group, so codecs share the heap and the watchdog
/// but never a global object or a prototype: one codec patching `Object.prototype` cannot touch
/// another. A context in a shared group costs about 135 KiB, a stand-alone one about 800 KiB.
///
/// **Threads.** JavaScriptCore contexts must not be used from two threads at once. The engine
/// owns a lock; every entry into the VM (loading, calling, releasing a codec) takes it, so a
/// `CodecEngine` and its `ScriptCodec`s may be used from any thread or task, and calls are
/// serialised. For parallelism, create one engine per core and spread codecs (or calls) over them.
///
/// **Limits** (see `CodecEngineConfiguration` and docs/codecs.md):
/// - time: JavaScriptCore's watchdog interrupts the running script every
///   `checkIntervalMilliseconds` of CPU time; the engine terminates it once the call's wall-clock
///   time passes `timeLimitMilliseconds`;
/// - memory: at the same checks the group's heap capacity (GC heap + extra memory) is compared with
///   `memoryLimitBytes`; over it, the call is terminated. The heap is shared, so the limit bounds
///   the engine, not a single codec; the codec running when it trips is the one stopped;
/// - sizes: script source, input JSON and result JSON have fixed maxima.
///
/// After a termination the codec's context is dropped (its heap becomes garbage) and rebuilt from
/// the source on the next call, so a half-finished run never leaves state behind.
///
/// The engine does no I/O: a context made through the C API has no `require`, `fetch`,
/// `XMLHttpRequest`, timers or module loader (`import()` rejects); the engine also removes
/// `WebAssembly`.
public final class CodecEngine: @unchecked Sendable {
    /// The limits this engine enforces.
    public let configuration: CodecEngineConfiguration

    let lock = NSLock()
    let group: JSContextGroupRef
    let watchdog: Watchdog
    /// An empty context of the group, kept to run collections with after a codec's context was
    /// dropped.
    private let janitor: JSGlobalContextRef?

    /// Creates an engine (one JavaScriptCore context group) with these limits.
    public init(configuration: CodecEngineConfiguration = CodecEngineConfiguration()) {
        self.configuration = configuration
        self.group = JSContextGroupCreate()
        self.watchdog = Watchdog(
            group: group,
            slice: Double(configuration.checkIntervalMilliseconds) / 1000,
            memoryLimit: configuration.memoryLimitBytes
        )
        JSContextGroupSetExecutionTimeLimit(
            group, watchdog.slice, watchdogCallback, Unmanaged.passUnretained(watchdog).toOpaque())
        janitor = JSGlobalContextCreateInGroup(group, nil)
    }

    deinit {
        if let janitor { JSGlobalContextRelease(janitor) }
        JSContextGroupRelease(group)
    }

    /// Collects the whole group now (caller holds the lock). Called after a call was stopped for
    /// memory and its context dropped, so the next call is not measured against that garbage.
    func collectGarbageLocked() {
        if let janitor { JSSynchronousGarbageCollectForDebugging(janitor) }
    }

    /// Loads a codec script: evaluates it once in a fresh context of this engine.
    ///
    /// - Parameters:
    ///   - source: the JavaScript source (ES2020+; TTN/ChirpStack codec conventions).
    ///   - name: a name for error messages and stack traces (usually the file name).
    /// - Returns: a handle to call the script's functions many times.
    /// - Throws: `CodecError.scriptTooLarge`, `.scriptFailedToLoad` (syntax error, top level threw
    ///   or ran past the time limit).
    public func load(source: String, name: String = "codec.js") throws(CodecError) -> ScriptCodec {
        let size = source.utf8.count
        guard size <= configuration.maxScriptBytes else {
            throw .scriptTooLarge(bytes: size, limit: configuration.maxScriptBytes)
        }
        let codec = ScriptCodec(engine: self, source: source, name: name)
        lock.lock()
        defer { lock.unlock() }
        try codec.createContextLocked()
        return codec
    }

    /// Current heap capacity of this engine's VM in bytes (GC heap + extra memory). Costs a heap
    /// walk (≈ 0.3 ms); meant for diagnostics and tests, not per call.
    public func heapCapacity() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let context = JSGlobalContextCreateInGroup(group, nil)
        defer { if let context { JSGlobalContextRelease(context) } }
        guard let context else { return 0 }
        return Watchdog.heapCapacity(context)
    }

    /// Marks the start of one entry into the VM (caller holds the lock).
    func beginCallLocked() {
        watchdog.deadline = ContinuousClock.now.advanced(by: .milliseconds(configuration.timeLimitMilliseconds))
        watchdog.termination = nil
    }
}

/// Why the watchdog stopped a script.
enum Termination: Equatable {
    case timeLimit
    case memoryLimit(observed: Int)
}

/// State the watchdog callback reads and writes. Only touched by the thread holding the engine's
/// lock (the callback runs on the thread executing the script, inside the call).
final class Watchdog: @unchecked Sendable {
    let group: JSContextGroupRef
    let slice: Double
    let memoryLimit: Int
    var deadline = ContinuousClock.now
    var termination: Termination?

    init(group: JSContextGroupRef, slice: Double, memoryLimit: Int) {
        self.group = group
        self.slice = slice
        self.memoryLimit = memoryLimit
    }

    /// Reads `heapCapacity` from JavaScriptCore's `JSGetMemoryUsageStatistics`.
    static func heapCapacity(_ context: JSContextRef) -> Int {
        guard let stats = JSGetMemoryUsageStatistics(context) else { return 0 }
        let name = JSStringCreateWithUTF8CString("heapCapacity")
        defer { JSStringRelease(name) }
        let value = JSObjectGetProperty(context, stats, name, nil)
        let number = JSValueToNumber(context, value, nil)
        guard number.isFinite, number >= 0, number < 9e18 else { return 0 }
        return Int(number)
    }

    /// Called by JavaScriptCore every `slice` seconds of CPU time while a script runs.
    func shouldTerminate(_ context: JSContextRef) -> Bool {
        if ContinuousClock.now >= deadline {
            termination = .timeLimit
            return true
        }
        let capacity = Watchdog.heapCapacity(context)
        if capacity > memoryLimit {
            termination = .memoryLimit(observed: capacity)
            return true
        }
        // Returning false alone does not re-arm the watchdog in WebKitGTK 2.50 (the script would
        // then run unchecked); setting the limit again from the callback does (WebKit documents
        // that a callback may call it).
        JSContextGroupSetExecutionTimeLimit(group, slice, watchdogCallback, Unmanaged.passUnretained(self).toOpaque())
        return false
    }
}

/// The C callback handed to `JSContextGroupSetExecutionTimeLimit`.
private let watchdogCallback: JSShouldTerminateCallback = { context, info in
    guard let context, let info else { return true }
    return Unmanaged<Watchdog>.fromOpaque(info).takeUnretainedValue().shouldTerminate(context)
}

// MARK: - Strings across the C boundary

extension String {
    /// A JSStringRef holding this string (caller releases it).
    func jsString() -> JSStringRef {
        withCString { JSStringCreateWithUTF8CString($0) }
    }

    /// The characters of a JSStringRef.
    init(jsString: JSStringRef) {
        let length = JSStringGetLength(jsString)
        guard length > 0, let chars = JSStringGetCharactersPtr(jsString) else {
            self = ""
            return
        }
        self = String(decoding: UnsafeBufferPointer(start: chars, count: length), as: UTF16.self)
    }
}

/// `String(describing:)` of any JavaScript value, without letting an exception escape.
func describe(_ value: JSValueRef?, in context: JSContextRef) -> String {
    guard let value else { return "undefined" }
    guard let string = JSValueToStringCopy(context, value, nil) else { return "an exception that cannot be described" }
    defer { JSStringRelease(string) }
    return String(jsString: string)
}
