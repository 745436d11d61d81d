import LoRaWAN

/// Collects copies of the same PHYPayload heard by several gateways (or antennas). Pure: the
/// caller says when a window opens and closes.
struct Deduplicator {
    private var open: [[UInt8]: [UplinkFrame]] = [:]
    /// Frames processed recently, so that a copy arriving after its window closed is recognised.
    private var recent: [[UInt8]: Int64] = [:]
    let lateMillis: Int64

    init(lateMillis: Int64) { self.lateMillis = lateMillis }

    enum AddResult: Equatable {
        /// The first copy: open a window for it.
        case opened
        /// Added to an open window.
        case merged
        /// Its window already closed: a late duplicate.
        case late
    }

    mutating func add(_ frame: UplinkFrame, now: Int64) -> AddResult {
        if open[frame.phyPayload] != nil {
            open[frame.phyPayload]?.append(frame)
            return .merged
        }
        if let closed = recent[frame.phyPayload], now &- closed < lateMillis { return .late }
        open[frame.phyPayload] = [frame]
        return .opened
    }

    /// Closes the window of `payload` and returns every copy collected.
    mutating func close(_ payload: [UInt8], now: Int64) -> [UplinkFrame] {
        let frames = open.removeValue(forKey: payload) ?? []
        recent[payload] = now
        if recent.count > 50_000 { recent = recent.filter { now &- $0.value < lateMillis } }
        return frames
    }
}
