/// Settings of the telemetry store (a Codable tree with defaults, composed by ServerApp).
public struct TelemetryStoreConfiguration: Codable, Sendable, Equatable {
    /// The width of a chunk's time window in milliseconds: points of one series in one window are
    /// compacted into one chunk. A day keeps chunks of ≈ 100–300 points at 5–15 minute sampling,
    /// and lets daily and coarser buckets be answered from chunk statistics alone.
    public var chunkWindowMillis: Int64 = 86_400_000
    /// zstd level for chunk blobs (3: fast, and higher levels gain little on encoded columns).
    public var zstdLevel: Int32 = 3
    /// `PRAGMA synchronous=FULL` (survives power loss) instead of NORMAL (survives process crash).
    public var synchronousFull: Bool = false
    /// Hot rows read per compaction step; bounds the memory and the length of the write transaction.
    public var compactionBatchRows: Int = 500_000

    public init() {}
}
