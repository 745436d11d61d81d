import LoRaWAN
import Registry

/// The network server's in-memory copy of device sessions, by DevEUI and by DevAddr.
///
/// The cache is authoritative for every session it holds: all session changes made by the
/// network server go through it (and from it to the store, see `WriteBehind`). A DevAddr's
/// sessions are read from the store once (`loadedAddrs`); a session added later by the network
/// server (join, ABP activation) joins the index directly.
struct SessionCache {
    private(set) var byEUI: [EUI64: DeviceSession] = [:]
    private var byAddr: [DevAddr: [EUI64]] = [:]
    /// DevAddrs whose stored sessions have been merged in.
    private var loadedAddrs: Set<DevAddr> = []

    var count: Int { byEUI.count }

    subscript(devEUI: EUI64) -> DeviceSession? { byEUI[devEUI] }

    func isLoaded(_ addr: DevAddr) -> Bool { loadedAddrs.contains(addr) }

    func sessions(devAddr: DevAddr) -> [DeviceSession] {
        (byAddr[devAddr] ?? []).compactMap { byEUI[$0] }
    }

    /// Stores (or replaces) a session, moving it in the DevAddr index when its address changed.
    mutating func put(_ session: DeviceSession) {
        if let old = byEUI[session.devEUI], old.devAddr != session.devAddr {
            unindex(session.devEUI, from: old.devAddr)
        }
        byEUI[session.devEUI] = session
        if !(byAddr[session.devAddr]?.contains(session.devEUI) ?? false) {
            byAddr[session.devAddr, default: []].append(session.devEUI)
        }
    }

    /// Merges sessions read from the store for `addr`: a session already cached is newer (the
    /// cache is written before the store) and is kept.
    mutating func merge(stored: [DeviceSession], for addr: DevAddr) {
        for s in stored where byEUI[s.devEUI] == nil { put(s) }
        loadedAddrs.insert(addr)
    }

    mutating func remove(devEUI: EUI64) {
        guard let old = byEUI.removeValue(forKey: devEUI) else { return }
        unindex(devEUI, from: old.devAddr)
    }

    private mutating func unindex(_ devEUI: EUI64, from addr: DevAddr) {
        byAddr[addr]?.removeAll { $0 == devEUI }
        if byAddr[addr]?.isEmpty == true { byAddr[addr] = nil }
    }
}

/// Session changes and uplink rows accepted but not yet committed, plus the events that must
/// wait for that commit.
struct WriteBehind {
    /// Sessions to write whole (something besides the volatile uplink fields changed).
    var full: [EUI64: DeviceSession] = [:]
    /// Sessions whose only change is the uplink counter (and ADR history / data rate, which are
    /// written whole later): the counter alone is written, no JSON.
    var counters: [EUI64: UInt32] = [:]
    /// Sessions whose stored JSON is older than the cache (history, data rate); written whole
    /// every `staleFlushMillis` and at shutdown.
    var stale: Set<EUI64> = []
    var uplinks: [UplinkRecord] = []
    var events: [NetworkServerEvent] = []
    /// Class A downlinks built on the uplink path whose counters are in `full`: handed to the
    /// gateway only after this batch is committed (a restart must never reuse an FCntDown),
    /// so every downlink answered in one tick shares one transaction.
    var transmits: [PendingTransmit] = []

    var isEmpty: Bool { full.isEmpty && counters.isEmpty && uplinks.isEmpty && events.isEmpty && transmits.isEmpty }

    mutating func markFull(_ session: DeviceSession) {
        counters[session.devEUI] = nil
        stale.remove(session.devEUI)
        full[session.devEUI] = session
    }

    mutating func markCounter(_ session: DeviceSession) {
        if full[session.devEUI] != nil {
            full[session.devEUI] = session
        } else if let f = session.fCntUp {
            counters[session.devEUI] = f
            stale.insert(session.devEUI)
        }
    }

    /// The fields an uplink changes every time; a session differing from its previous state only
    /// in these needs only its counter written.
    static func onlyVolatileChanged(_ old: DeviceSession, _ new: DeviceSession) -> Bool {
        var n = new
        n.fCntUp = old.fCntUp
        n.dataRate = old.dataRate
        n.uplinkHistory = old.uplinkHistory
        return n == old
    }
}

/// A downlink waiting for the commit of its counter.
struct PendingTransmit {
    var frame: DownlinkFrame
    var info: DeviceInfo
}

/// The downlink counters a session's stored copy carries ahead of the ones in use. It belongs
/// to one session: a join (new DevAddr, new activation time) starts without one.
struct CounterReservation {
    var activatedAtMillis: Int64
    var devAddr: DevAddr
    /// What the next whole write of the session stores.
    var nFCntDown: UInt32
    var aFCntDown: UInt32
    /// What a committed write did store: a counter below these survives any restart unused, so
    /// a downlink using one may go out before the next commit.
    var storedNFCntDown: UInt32 = 0
    var storedAFCntDown: UInt32 = 0

    func covers(_ s: DeviceSession) -> Bool { s.activatedAtMillis == activatedAtMillis && s.devAddr == devAddr }

    /// Whether a downlink with counter `fCnt` (AFCntDown when `appCounter`) may be sent before
    /// the session's next commit.
    func allowsSending(fCnt: UInt32, appCounter: Bool) -> Bool {
        fCnt < (appCounter ? storedAFCntDown : storedNFCntDown)
    }

    /// Notes that `s` (as `applied(to:)` made it) is committed.
    mutating func recordStored(_ s: DeviceSession) {
        guard covers(s) else { return }
        storedNFCntDown = max(storedNFCntDown, s.nFCntDown)
        storedAFCntDown = max(storedAFCntDown, s.aFCntDown)
    }

    /// `s` as it must be stored: its downlink counters raised to the reservation.
    func applied(to s: DeviceSession) -> DeviceSession {
        guard covers(s) else { return s }
        var out = s
        out.nFCntDown = max(s.nFCntDown, nFCntDown)
        out.aFCntDown = max(s.aFCntDown, aFCntDown)
        return out
    }
}
