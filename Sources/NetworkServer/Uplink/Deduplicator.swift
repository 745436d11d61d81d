import LoRaWAN

/// Collects copies of the same PHYPayload heard by several gateways (or antennas). Pure: the
/// caller passes the time and says when a window is processed.
///
/// A window opens on the first copy of a PHYPayload and lasts at most the configured
/// deduplication window. With early close on, a window is *complete* before that as soon as
/// every gateway expected for its sender has reported (see `GatewayReach`): the caller may then
/// process it at once. Whenever it is processed, the window keeps every copy merged so far and
/// the best gateway is chosen from all of them, exactly as at the deadline.
///
/// Safety of an early close: a copy arriving after its window was processed is recognised as a
/// late duplicate for `lateMillis` (it is never processed twice); the only thing an early close
/// can lose is the metadata of a gateway that was not expected. That gateway is then remembered
/// (`recordLate`), so the sender's next windows wait for it.
struct Deduplicator {
    struct Window {
        let seq: UInt64
        let key: DeduplicationKey?
        var frames: [UplinkFrame]
        /// The gateways expected to report (nil: unknown sender or early close off).
        let expected: [EUI64]?
        /// Handed to the caller for processing (early complete or due).
        var ready = false
    }

    private var open: [FrameKey: Window] = [:]
    /// Windows per sender still waiting (open, not yet ready): a window closes early only when
    /// no other window of its sender waits, so one device's uplinks are never processed out of
    /// order (a later FCnt first would make the earlier frame a replay). Ready windows are
    /// processed in the order they became ready, so they do not block.
    private var waitingPerKey: [DeduplicationKey: Int] = [:]
    /// Frames processed recently, so that a copy arriving after its window closed is recognised.
    private var recent: [FrameKey: Int64] = [:]
    /// `recent` in closing order, so entries older than `lateMillis` leave from the head at O(1)
    /// each (a whole-table filter once it passed 50,000 entries ran on every close above
    /// 25,000 uplinks/s).
    private var recentOrder = FIFO<(payload: FrameKey, closedAt: Int64)>()
    private(set) var reach: GatewayReach
    private var nextSeq: UInt64 = 1
    let lateMillis: Int64
    let earlyClose: Bool

    init(lateMillis: Int64, earlyClose: Bool = false, gatewayHistory: Int = 8) {
        self.lateMillis = lateMillis
        self.earlyClose = earlyClose
        reach = GatewayReach(history: gatewayHistory)
    }

    enum AddResult: Equatable {
        /// The first copy: a window opened. `complete`: every expected gateway has reported
        /// already (the sender is only ever heard by this one), so it may be processed now.
        case opened(seq: UInt64, complete: Bool)
        /// Added to an open window; `completed` is the window's seq when this copy was the
        /// last expected one (process it now), else nil.
        case merged(completed: UInt64?)
        /// Its window already closed: a late duplicate.
        case late
    }

    var openCount: Int { open.count }
    /// Closed frames still remembered for late-copy detection.
    var recentCount: Int { recent.count }

    mutating func add(_ frame: UplinkFrame, now: Int64) -> AddResult {
        if var w = open[FrameKey(frame.phyPayload)] {
            w.frames.append(frame)
            let completes = !w.ready && isComplete(w, waitingOthers: 1)
            if completes {
                w.ready = true
                if let key = w.key { stopWaiting(key) }
            }
            open[FrameKey(frame.phyPayload)] = w
            return .merged(completed: completes ? w.seq : nil)
        }
        if let closed = recent[FrameKey(frame.phyPayload)], now &- closed < lateMillis {
            if let key = DeduplicationKey(phyPayload: frame.phyPayload) {
                reach.recordLate(key: key, gateway: frame.rxInfo.gatewayEUI, now: now)
            }
            return .late
        }
        let key = DeduplicationKey(phyPayload: frame.phyPayload)
        let seq = nextSeq
        nextSeq &+= 1
        var w = Window(seq: seq, key: key, frames: [frame], expected: earlyClose ? key.flatMap { reach.expected(for: $0) } : nil)
        let complete = isComplete(w, waitingOthers: 0)
        w.ready = complete
        if !complete, let key { waitingPerKey[key, default: 0] += 1 }
        open[FrameKey(frame.phyPayload)] = w
        return .opened(seq: seq, complete: complete)
    }

    /// Whether every expected gateway reported in `w` and no earlier window of its sender waits
    /// (`waiting`: how many waiting windows of the sender are `w` itself, 0 or 1).
    private func isComplete(_ w: Window, waitingOthers waiting: Int) -> Bool {
        guard let expected = w.expected, !expected.isEmpty, let key = w.key, (waitingPerKey[key] ?? 0) == waiting else { return false }
        for g in expected where !w.frames.contains(where: { $0.rxInfo.gatewayEUI == g }) { return false }
        return true
    }

    /// Marks the window `seq` of `payload` ready because its deadline passed. Returns false
    /// when it was already handed out (complete early) or processed.
    mutating func markDue(_ payload: [UInt8], seq: UInt64) -> Bool {
        guard var w = open[FrameKey(payload)], w.seq == seq, !w.ready else { return false }
        w.ready = true
        open[FrameKey(payload)] = w
        if let key = w.key { stopWaiting(key) }
        return true
    }

    private mutating func stopWaiting(_ key: DeduplicationKey) {
        let n = (waitingPerKey[key] ?? 1) - 1
        waitingPerKey[key] = n > 0 ? n : nil
    }

    /// Whether the window `seq` of `payload` is still waiting for its deadline.
    func isWaiting(_ payload: [UInt8], seq: UInt64) -> Bool {
        guard let w = open[FrameKey(payload)] else { return false }
        return w.seq == seq && !w.ready
    }

    /// Replaces what is known about senders' gateways (read back from `gateway-reach.bin`).
    mutating func restoreReach(_ r: GatewayReach) { reach = r }

    /// Closes the window `seq` of `payload` and returns every copy collected (nil when that
    /// window is not open). The gateways that heard it become the sender's expected set.
    mutating func close(_ payload: [UInt8], seq: UInt64, now: Int64) -> [UplinkFrame]? {
        guard let w = open[FrameKey(payload)], w.seq == seq else { return nil }
        open[FrameKey(payload)] = nil
        if let key = w.key {
            if !w.ready { stopWaiting(key) }
            reach.record(key: key, gateways: w.frames.map(\.rxInfo.gatewayEUI), now: now)
        }
        recent[FrameKey(payload)] = now
        recentOrder.append((payload: FrameKey(payload), closedAt: now))
        while let head = recentOrder.first, now &- head.closedAt >= lateMillis {
            _ = recentOrder.popFirst()
            if recent[head.payload] == head.closedAt { recent[head.payload] = nil }
        }
        return w.frames
    }
}

/// A PHYPayload as a dictionary key, hashed in one pass over its bytes (`[UInt8]`'s own
/// `Hashable` feeds the hasher one byte at a time: measurable with two lookups per copy).
struct FrameKey: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}

/// Who sent a frame, as far as the bytes tell before any key is known: the DevAddr of a data
/// uplink, the DevEUI of a join- or rejoin-request. Several devices may share a DevAddr; their
/// expected gateways are then the union (a conservative early close).
enum DeduplicationKey: Hashable {
    case devAddr(UInt32)
    case devEUI(UInt64)

    /// The sender of `b`, or nil for anything too short or of another type (those windows never
    /// close early). Layouts: LoRaWAN 1.1 §4 (MHDR, FHDR), §6.2.2 (join-request),
    /// §6.2.4 (rejoin-request types 0/2 and 1). Multi-byte fields are little-endian.
    init?(phyPayload b: [UInt8]) {
        guard let mhdr = b.first else { return nil }
        func le(_ at: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
            return v
        }
        switch mhdr >> 5 {
        case 0b010, 0b100:  // unconfirmed / confirmed data up: MHDR | DevAddr(4) | FCtrl | FCnt(2) | … | MIC(4)
            guard b.count >= 12 else { return nil }
            self = .devAddr(UInt32(truncatingIfNeeded: le(1, 4)))
        case 0b000:  // join-request: MHDR | JoinEUI(8) | DevEUI(8) | DevNonce(2) | MIC(4)
            guard b.count == 23 else { return nil }
            self = .devEUI(le(9, 8))
        case 0b110:  // rejoin-request: MHDR | type | (NetID(3) | DevEUI) or (JoinEUI | DevEUI) | RJcount(2) | MIC
            guard b.count >= 2 else { return nil }
            switch b[1] {
            case 0, 2:
                guard b.count == 19 else { return nil }
                self = .devEUI(le(5, 8))
            case 1:
                guard b.count == 24 else { return nil }
                self = .devEUI(le(10, 8))
            default: return nil
            }
        default:
            return nil
        }
    }
}

/// Per sender, the gateways that heard its recent uplinks: the gateways its next window waits
/// for before it closes early.
///
/// A gateway stays expected while it heard at least one of the sender's last `history`
/// processed uplinks (a late copy counts as heard). A sender never seen (first uplink, or after
/// a restart) has no expected set and waits the full window. Senders unheard for a day are
/// forgotten when the table grows.
struct GatewayReach {
    struct Entry {
        /// Uplinks of this sender processed so far.
        var uplinks: UInt32 = 0
        var lastHeardMillis: Int64 = 0
        /// Each gateway with the number (`uplinks` value) of the last uplink it heard.
        var gateways: [(eui: EUI64, lastUplink: UInt32)] = []
    }

    let history: Int
    private(set) var entries: [DeduplicationKey: Entry] = [:]
    private var pruneAt = 100_000
    static let forgetMillis: Int64 = 86_400_000
    /// At most this many gateways are remembered per sender (the most recent).
    static let maxGateways = 16

    init(history: Int) { self.history = max(1, history) }

    /// A table read back from disk: senders unheard for `forgetMillis` at `now` are left out.
    init(history: Int, entries: [DeduplicationKey: Entry], now: Int64) {
        self.init(history: history)
        self.entries = entries.filter { now &- $0.value.lastHeardMillis < Self.forgetMillis }
    }

    func expected(for key: DeduplicationKey) -> [EUI64]? {
        guard let e = entries[key], !e.gateways.isEmpty else { return nil }
        return e.gateways.map(\.eui)
    }

    /// A window of `key` was processed with copies from `gateways`.
    mutating func record(key: DeduplicationKey, gateways: [EUI64], now: Int64) {
        var e = entries[key] ?? Entry()
        e.uplinks &+= 1
        e.lastHeardMillis = now
        for g in gateways {
            if let i = e.gateways.firstIndex(where: { $0.eui == g }) { e.gateways[i].lastUplink = e.uplinks } else { e.gateways.append((g, e.uplinks)) }
        }
        let n = e.uplinks
        e.gateways.removeAll { n &- $0.lastUplink >= UInt32(history) }
        trim(&e)
        entries[key] = e
        pruneIfLarge(now: now)
    }

    /// A copy from `gateway` arrived after the sender's window closed: it heard the last uplink.
    mutating func recordLate(key: DeduplicationKey, gateway: EUI64, now: Int64) {
        guard var e = entries[key] else { return }
        if let i = e.gateways.firstIndex(where: { $0.eui == gateway }) { e.gateways[i].lastUplink = e.uplinks } else { e.gateways.append((gateway, e.uplinks)) }
        trim(&e)
        entries[key] = e
    }

    private func trim(_ e: inout Entry) {
        guard e.gateways.count > Self.maxGateways else { return }
        e.gateways.sort { $0.lastUplink > $1.lastUplink }
        e.gateways.removeLast(e.gateways.count - Self.maxGateways)
    }

    private mutating func pruneIfLarge(now: Int64) {
        guard entries.count > pruneAt else { return }
        entries = entries.filter { now &- $0.value.lastHeardMillis < Self.forgetMillis }
        pruneAt = max(100_000, entries.count * 2)
    }
}
