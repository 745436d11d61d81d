/// Limits for running JavaScript codecs. Every field has a default; all are enforced by
/// `CodecEngine` (docs/codecs.md, "Limits", says exactly how).
public struct CodecEngineConfiguration: Sendable, Codable, Equatable {
    /// Wall-clock time one call may take before it is terminated (default 100 ms).
    public var timeLimitMilliseconds: Int = 100
    /// Ceiling on the engine's JavaScript heap capacity (JavaScriptCore's GC heap plus the extra
    /// memory it accounts for: ArrayBuffer contents, large strings), checked while a call runs.
    /// Default 128 MiB.
    public var memoryLimitBytes: Int = 128 << 20
    /// How often (CPU time) a running call is checked against the limits (default 10 ms).
    public var checkIntervalMilliseconds: Int = 10
    /// Largest script source accepted (default 1 MiB).
    public var maxScriptBytes: Int = 1 << 20
    /// Largest input (its JSON text, bytes included) passed to a function (default 64 KiB).
    public var maxInputBytes: Int = 64 << 10
    /// Largest result (its JSON text) accepted from a function (default 64 KiB).
    public var maxOutputBytes: Int = 64 << 10

    /// The defaults.
    public init() {}

    /// Defaults with some fields changed.
    public init(timeLimitMilliseconds: Int = 100, memoryLimitBytes: Int = 128 << 20,
                checkIntervalMilliseconds: Int = 10, maxScriptBytes: Int = 1 << 20,
                maxInputBytes: Int = 64 << 10, maxOutputBytes: Int = 64 << 10) {
        self.timeLimitMilliseconds = max(1, timeLimitMilliseconds)
        self.memoryLimitBytes = memoryLimitBytes
        self.checkIntervalMilliseconds = max(1, checkIntervalMilliseconds)
        self.maxScriptBytes = maxScriptBytes
        self.maxInputBytes = maxInputBytes
        self.maxOutputBytes = maxOutputBytes
    }
}
