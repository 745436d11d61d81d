import Foundation
public import LoRaWAN
public import Logging
public import Registry
public import RegionalParameters
public import ServiceLifecycle

/// The LoRaWAN network server: deduplicates frames from gateways, runs joins and the data-uplink
/// stages, answers MAC commands, runs ADR, and schedules class A/C downlinks.
///
/// Frames come in through `receive(_:)` (from the gateway bridge); downlinks go out through the
/// `transmit` closure given at init; every step emits a `NetworkServerEvent` on `events`.
public actor NetworkServer: Service {
    public let configuration: NetworkServerConfiguration
    /// Typed events (up, join, ack, txack, status, log) in ChirpStack's shapes.
    public nonisolated let events: AsyncStream<NetworkServerEvent>
    /// The same events in the groups they are released in (one commit's worth), only when made
    /// with `batchedEvents: true` (then `events` stays empty): one stream element per commit.
    public nonisolated let eventBatches: AsyncStream<[NetworkServerEvent]>

    let regions: RegionCatalog
    let registry: any RegistryStore
    let sessions: any SessionStore
    let clock: any Clock<Duration>
    let nowMillis: @Sendable () -> Int64
    let transmit: @Sendable (DownlinkFrame) async throws -> Void
    var logger: Logger
    let eventContinuation: AsyncStream<NetworkServerEvent>.Continuation
    let eventBatchContinuation: AsyncStream<[NetworkServerEvent]>.Continuation
    let batchedEvents: Bool
    let adr: ADRAlgorithm
    let metrics = NSMetrics()

    var deduplicator: Deduplicator
    /// Copies heard and distinct uplinks since start, for `ns_dedup_ratio`.
    var dedupCounts: (heard: Int, unique: Int) = (0, 0)
    /// Open deduplication windows by deadline, handed on by one sweeper task (`sweepWindows`).
    var windows = WindowQueue()
    var sweeping = false
    /// Windows ready to be processed (complete early, or due), in order; one task drains them.
    var readyWindows = FIFO<(payload: [UInt8], seq: UInt64)>()
    var draining = false
    var deduplicationIDs = DeduplicationIDGenerator()
    /// When the oldest downlink waiting for a commit was built (drain loop).
    var transmitsWaitingSince: Duration?
    let windowTimer: WindowTimer
    var nextDownlinkID: UInt32 = 1
    /// Downlinks sent and awaiting TX_ACK: what to retry in RX2 and what to report.
    var inFlight: [UInt32: InFlightDownlink] = [:]
    /// `inFlight`'s ids in sending order, so entries a gateway never acknowledges (protocol v1
    /// sends no TX_ACK) are forgotten oldest first at O(1) per downlink (`trackInFlight`).
    var inFlightOrder = FIFO<(id: UInt32, sentAtMillis: Int64)>()
    /// How long a downlink waits for its TX_ACK, and how many are remembered at most.
    static let inFlightMillis: Int64 = 60_000
    static let inFlightLimit = 100_000
    /// Where the deduplicator's gateway history is kept across restarts (`keepGatewayReach(in:)`).
    var gatewayReachPath: String?
    static let gatewayReachSaveSeconds = 300
    /// Class C devices' last gateway, for immediate downlinks.
    var lastGateway: [EUI64: EUI64] = [:]
    /// Device, profile and event `deviceInfo` by DevEUI for the data path, kept for
    /// `deviceCacheMillis` so an uplink does not re-read and re-decode them from the registry.
    /// Joins always read the registry (keys may have changed).
    /// An expired entry still answers (for at most another `deviceCacheMillis`) while a background
    /// refresh reads the registry again, so uplinks never wait for it: a fleet heard at the same
    /// moment expires at the same moment, and re-reading it inline stalled every uplink.
    /// `generation`: the registry's change generation read before the entry (see
    /// `RegistryStore.changeGeneration()`); while it has not moved, a refresh only extends the entry.
    var deviceCache: [EUI64: (device: Device, profile: DeviceProfile, info: DeviceInfo, expires: Int64, generation: Int64?)] = [:]
    static let deviceCacheMillis: Int64 = 5_000
    /// Devices whose expired cache entries wait for the refresher (`refreshDeviceContexts`).
    var deviceRefreshQueue = FIFO<EUI64>()
    var deviceRefreshPending: Set<EUI64> = []
    var deviceRefreshing = false
    var lastDeviceCachePurge: Int64 = 0
    /// Sessions in memory (authoritative) and what is waiting to be committed (write-behind).
    var cache = SessionCache()
    /// Downlink counters stored ahead of use, per session (`reserveDownlinkCounters`).
    var counterReservations: [EUI64: CounterReservation] = [:]
    /// Keyed OpenSSL contexts per session (`sessionCrypto(_:)`).
    var cryptoCache: [EUI64: CachedSessionCrypto] = [:]
    static let sessionCryptoLimit = 8192
    var pending = WriteBehind()
    var flushing = false
    var flushWaiters: [CheckedContinuation<Void, Never>] = []
    /// True while a task commits for waiting class A downlinks (`requestTransmitCommit`).
    var transmitCommitRunning = false
    /// True while `run()`'s commit loop runs; otherwise every uplink commits before returning.
    var writeBehindActive = false
    /// Uplinks processed (accepted + dropped), for tests and the benchmark.
    public private(set) var processedCount = 0
    /// Data uplinks accepted, for the benchmark.
    public private(set) var acceptedDataCount = 0
    /// Deduplication windows closed early (every expected gateway reported) and at their
    /// deadline, for the benchmark (also `ns_dedup_windows_closed_total`).
    public private(set) var windowsClosedEarly = 0
    public private(set) var windowsClosedAtDeadline = 0

    struct InFlightDownlink: Sendable {
        var devEUI: EUI64?
        var fCnt: UInt32
        var queueItemID: Int64?
        var rx2: DownlinkFrame?
        var sentAtMillis: Int64
    }

    /// - Parameters:
    ///   - regions: the loaded channel plans (`Regions/`).
    ///   - clock: drives the deduplication window (inject a manual clock in tests).
    ///   - nowMillis: wall clock for event times and expiry.
    ///   - transmit: sends a downlink (the gateway bridge's `send`).
    ///   - batchedEvents: deliver events on `eventBatches` instead of `events`.
    public init(configuration: NetworkServerConfiguration, regions: RegionCatalog, registry: any RegistryStore,
                sessions: any SessionStore, logger: Logger, clock: any Clock<Duration> = ContinuousClock(),
                nowMillis: (@Sendable () -> Int64)? = nil, batchedEvents: Bool = false,
                transmit: @escaping @Sendable (DownlinkFrame) async throws -> Void) {
        self.configuration = configuration
        self.regions = regions
        self.registry = registry
        self.sessions = sessions
        self.logger = logger
        self.clock = clock
        self.windowTimer = WindowTimer.make(clock)
        self.nowMillis = nowMillis ?? { Int64(Date().timeIntervalSince1970 * 1000) }
        self.transmit = transmit
        self.adr = ADRAlgorithm(installationMargin: configuration.adrInstallationMargin)
        self.deduplicator = Deduplicator(lateMillis: Int64(max(configuration.deduplicationWindowMillis, 1)) * 10,
                                         earlyClose: configuration.deduplicationEarlyClose,
                                         gatewayHistory: configuration.deduplicationGatewayHistory)
        (events, eventContinuation) = AsyncStream.makeStream(of: NetworkServerEvent.self, bufferingPolicy: .bufferingNewest(100_000))
        (eventBatches, eventBatchContinuation) = AsyncStream.makeStream(of: [NetworkServerEvent].self, bufferingPolicy: .bufferingNewest(100_000))
        self.batchedEvents = batchedEvents
    }

    /// Runs until shutdown; the server is driven by `receive(_:)` calls, so this only waits.
    public func run() async throws {
        await activateRegisteredABPDevices()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.runCommitLoop() }
            group.addTask { await self.runGatewayReachSaver() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await stopWriteBehind()
        await saveGatewayReach()
        eventContinuation.finish()
        eventBatchContinuation.finish()
    }

    // MARK: Intake and deduplication

    /// Takes one frame from a gateway. The first copy of a PHYPayload opens a deduplication window;
    /// copies arriving inside it are merged; when it closes the uplink is processed once with
    /// every gateway's metadata. A window closes at its deadline, or earlier (early close) once
    /// every gateway that heard the sender's recent uplinks has reported.
    public func receive(_ frame: UplinkFrame) {
        intake(frame, now: nowMillis(), deadline: windowTimer.now() + .milliseconds(configuration.deduplicationWindowMillis))
        startSweeper()
        startDraining()
    }

    /// Takes the frames of one read burst from the gateway bridge, in arrival order: one actor
    /// hop for the whole batch instead of one per frame. Windows complete early are processed
    /// after the whole batch is taken in, so copies in the same burst are always merged.
    public func receive(batch frames: [UplinkFrame]) {
        let now = nowMillis()
        let deadline = windowTimer.now() + .milliseconds(configuration.deduplicationWindowMillis)
        for frame in frames { intake(frame, now: now, deadline: deadline) }
        startSweeper()
        startDraining()
    }

    private func intake(_ frame: UplinkFrame, now: Int64, deadline: Duration) {
        let outcome = deduplicator.add(frame, now: now)
        switch outcome {
        case let .merged(completed):
            countForDedup(opened: false)
            if let seq = completed {
                metrics.windowsClosed["early"]?.increment()
                windowsClosedEarly += 1
                readyWindows.append((frame.phyPayload, seq))
            }
        case .late:
            countForDedup(opened: false)
            drop(.duplicate)
        case let .opened(seq, complete):
            countForDedup(opened: true)
            if complete {
                metrics.windowsClosed["early"]?.increment()
                windowsClosedEarly += 1
                readyWindows.append((frame.phyPayload, seq))
            } else {
                windows.append(deadline: deadline, payload: frame.phyPayload, seq: seq)
            }
        }
    }

    private func startSweeper() {
        windows.dropLeading { !deduplicator.isWaiting($0.payload, seq: $0.seq) }
        guard !sweeping, !windows.isEmpty else { return }
        sweeping = true
        Task { await self.sweepWindows() }
    }

    private func startDraining() {
        guard !draining, !readyWindows.isEmpty else { return }
        draining = true
        Task { await self.drainReadyWindows() }
    }

    /// Hands windows on as they fall due, in order, until none waits; `receive` starts it again.
    func sweepWindows() async {
        while true {
            windows.dropLeading { !deduplicator.isWaiting($0.payload, seq: $0.seq) }
            guard let deadline = windows.firstDeadline else { break }
            if windowTimer.now() < deadline {
                do { try await windowTimer.sleepUntil(deadline) } catch { break }
            }
            let now = windowTimer.now()
            while let item = windows.popDue(now: now) {
                if deduplicator.markDue(item.payload, seq: item.seq) {
                    metrics.windowsClosed["deadline"]?.increment()
                    windowsClosedAtDeadline += 1
                    readyWindows.append((item.payload, item.seq))
                }
            }
            startDraining()
        }
        sweeping = false
    }

    /// Processes ready windows one at a time, in the order they became ready.
    func drainReadyWindows() async {
        while let w = readyWindows.popFirst() {
            await closeWindow(w.payload, seq: w.seq)
            // Downlinks wait for the commit of their counters: commit once the ready windows
            // of this tick are done, or when the oldest answer has waited 2 ms (under sustained
            // load the ready queue may never empty), one transaction for all of them. The commit
            // runs beside this loop, which goes on with the next windows meanwhile.
            if !pending.transmits.isEmpty {
                let now = windowTimer.now()
                if transmitsWaitingSince == nil { transmitsWaitingSince = now }
                if readyWindows.isEmpty || now - (transmitsWaitingSince ?? now) >= .milliseconds(2) {
                    transmitsWaitingSince = nil
                    requestTransmitCommit()
                }
            }
        }
        draining = false
    }

    func countForDedup(opened: Bool) {
        metrics.heard.increment()
        dedupCounts.heard &+= 1
        if opened {
            metrics.unique.increment()
            dedupCounts.unique &+= 1
        }
        if dedupCounts.unique > 0 { metrics.dedupRatio.record(Double(dedupCounts.heard) / Double(dedupCounts.unique)) }
    }

    func closeWindow(_ payload: [UInt8], seq: UInt64) async {
        guard let frames = deduplicator.close(payload, seq: seq, now: nowMillis()), !frames.isEmpty else { return }
        _ = await processDeduplicated(frames: frames)
        if !writeBehindActive { try? await commitPending() }
    }

    /// Processes one deduplicated uplink (all copies of one PHYPayload). Exposed for tests and
    /// the benchmark, which bypass the window.
    @discardableResult
    public func process(frames: [UplinkFrame]) async -> UplinkOutcome {
        let outcome = await processDeduplicated(frames: frames)
        try? await commitPending()
        return outcome
    }

    /// `process(frames:)` without the commit: the write-behind loop commits.
    func processDeduplicated(frames: [UplinkFrame]) async -> UplinkOutcome {
        processedCount += 1
        let sorted = DownlinkPlanner.sortBySignal(frames.filter { $0.rxInfo.crcStatus == 1 })
        guard let first = sorted.first else { return drop(.crcBad) }
        let phy: PHYPayload
        do { phy = try PHYPayload(bytes: first.phyPayload) } catch {
            logger.debug("unparsable PHYPayload", metadata: ["uplink.error": "\(error)"])
            return drop(.unparsable)
        }
        let dedupID = deduplicationIDs.make()
        switch phy.mhdr.mType {
        case .joinRequest:
            return await handleJoin(phy: phy, frames: sorted, deduplicationID: dedupID)
        case .unconfirmedDataUp, .confirmedDataUp:
            guard let mac = phy.macPayload else { return drop(.unparsable) }
            var ctx = UplinkContext(frames: sorted, phy: phy, macPayload: mac, deduplicationID: dedupID, receivedAtMillis: nowMillis())
            let outcome = await runDataPipeline(&ctx)
            if case .accepted = outcome { acceptedDataCount += 1 }
            return outcome
        case .rejoinRequest:
            return await handleRejoin(phy: phy, frames: sorted, deduplicationID: dedupID)
        default:
            return drop(.unsupportedMessageType)
        }
    }

    @discardableResult
    func drop(_ reason: DropReason) -> UplinkOutcome {
        metrics.dropped[reason]?.increment()
        logger.debug("uplink dropped", metadata: ["uplink.drop_reason": "\(reason.rawValue)"])
        return .dropped(reason)
    }

    func emit(_ event: NetworkServerEvent) {
        if batchedEvents { eventBatchContinuation.yield([event]) } else { eventContinuation.yield(event) }
    }

    /// Emits events released together (a commit's worth) as one batch.
    func emit(all events: [NetworkServerEvent]) {
        guard !events.isEmpty else { return }
        if batchedEvents {
            eventBatchContinuation.yield(events)
        } else {
            for e in events { eventContinuation.yield(e) }
        }
    }

    func timeString(_ millis: Int64) -> String {
        EventTime.string(millis: millis)
    }

    func logEvent(_ level: String, _ code: String, _ description: String, device: DeviceInfo?, context: [String: String] = [:]) {
        emit(.log(LogEvent(time: timeString(nowMillis()), deviceInfo: device, level: level, code: code, description: description, context: context)))
    }

    func deviceInfo(_ device: Device, _ profile: DeviceProfile) async -> DeviceInfo {
        let appName = (try? await registry.application(id: device.applicationID))??.name ?? device.applicationID
        return DeviceInfo(applicationId: device.applicationID, applicationName: appName, deviceProfileId: profile.id,
                          deviceProfileName: profile.name, deviceName: device.name, devEui: device.devEUI.description,
                          deviceClassEnabled: profile.supportsClassC ? "CLASS_C" : "CLASS_A")
    }

    /// The device, its profile and its event `deviceInfo`, from the short-lived cache.
    /// A fresh entry answers; an expired one answers too (up to `deviceCacheMillis` past its
    /// expiry) and is refreshed in the background; anything older, or a device not cached, is
    /// read now.
    func deviceContext(_ devEUI: EUI64) async -> (device: Device, profile: DeviceProfile, info: DeviceInfo)? {
        let now = nowMillis()
        if let c = deviceCache[devEUI] {
            if c.expires > now { return (c.device, c.profile, c.info) }
            if now - c.expires < Self.deviceCacheMillis {
                scheduleDeviceRefresh(devEUI)
                return (c.device, c.profile, c.info)
            }
        }
        return await readDeviceContext(devEUI, now: now)
    }

    func scheduleDeviceRefresh(_ devEUI: EUI64) {
        guard deviceRefreshPending.insert(devEUI).inserted else { return }
        deviceRefreshQueue.append(devEUI)
        guard !deviceRefreshing else { return }
        deviceRefreshing = true
        Task { await self.refreshDeviceContexts() }
    }

    /// One pass per queue snapshot: the registry's change generation is read once; entries read
    /// at that generation (nothing in devices, profiles or applications changed since) are only
    /// extended, the others re-read one at a time, so a burst of expiries is a trickle of work
    /// beside the uplinks rather than a wall in front of them.
    func refreshDeviceContexts() async {
        while !deviceRefreshQueue.isEmpty {
            let generation = (try? await registry.changeGeneration()) ?? nil
            var pass = deviceRefreshQueue.count
            while pass > 0, let eui = deviceRefreshQueue.popFirst() {
                pass -= 1
                deviceRefreshPending.remove(eui)
                if let generation, var c = deviceCache[eui], c.generation == generation {
                    c.expires = nowMillis() + Self.deviceCacheMillis
                    deviceCache[eui] = c
                    continue
                }
                _ = await readDeviceContext(eui, now: nowMillis())
            }
        }
        deviceRefreshing = false
    }

    /// Reads the device, its profile and application from the registry and caches them; a device
    /// gone (or its profile) leaves the cache. A device the registry no longer has (not one it
    /// failed to read) is forgotten whole: its session, counter reservation and crypto contexts
    /// too, so deleted devices do not stay in memory until a restart.
    func readDeviceContext(_ devEUI: EUI64, now: Int64) async -> (device: Device, profile: DeviceProfile, info: DeviceInfo)? {
        let generation = (try? await registry.changeGeneration()) ?? nil
        let read: Device?? = try? await registry.device(devEUI: devEUI)
        if case .some(.none) = read { forgetDevice(devEUI) }
        guard let device = read ?? nil,
              let profile = try? await registry.deviceProfile(id: device.deviceProfileID) else {
            deviceCache[devEUI] = nil
            return nil
        }
        let info = await deviceInfo(device, profile)
        // Expired entries go at most once a second once the cache is large, so a big fleet keeps
        // only the devices heard in the last 2 × `deviceCacheMillis` (memory), at O(1) amortised cost.
        if deviceCache.count > 10_000, now - lastDeviceCachePurge > 1_000 {
            deviceCache = deviceCache.filter { now - $0.value.expires < Self.deviceCacheMillis }
            lastDeviceCachePurge = now
        }
        deviceCache[devEUI] = (device, profile, info, now + Self.deviceCacheMillis, generation)
        return (device, profile, info)
    }

    func plan(for profile: DeviceProfile) -> ChannelPlan? {
        regions.plan(id: profile.region)
    }

    /// Drops everything held in memory for a device the registry no longer has. Its session row
    /// went with it (ON DELETE CASCADE), and a commit never re-creates one for a missing device.
    func forgetDevice(_ devEUI: EUI64) {
        deviceCache[devEUI] = nil
        cache.remove(devEUI: devEUI)
        counterReservations[devEUI] = nil
        cryptoCache[devEUI] = nil
        lastGateway[devEUI] = nil
    }

    /// Remembers a downlink until its TX_ACK, forgetting those older than `inFlightMillis` (or
    /// beyond `inFlightLimit`): the order FIFO is trimmed from its head, never scanned whole.
    func trackInFlight(_ id: UInt32, _ downlink: InFlightDownlink) {
        inFlight[id] = downlink
        inFlightOrder.append((id: id, sentAtMillis: downlink.sentAtMillis))
        let cutoff = downlink.sentAtMillis - Self.inFlightMillis
        while let head = inFlightOrder.first, head.sentAtMillis <= cutoff || inFlightOrder.count > Self.inFlightLimit {
            _ = inFlightOrder.popFirst()
            // Ids wrap and a TX_ACK may have removed (or an RX2 retry replaced) the entry.
            if inFlight[head.id]?.sentAtMillis == head.sentAtMillis { inFlight[head.id] = nil }
        }
    }

    func allocateDownlinkID() -> UInt32 {
        let id = nextDownlinkID
        nextDownlinkID = nextDownlinkID == .max ? 1 : nextDownlinkID + 1
        return id
    }

    // MARK: TX_ACK

    /// Reports a gateway's TX_ACK for a downlink. On an error in RX1 the RX2 alternative is sent
    /// when there is one; every result becomes a `txack` event.
    public func handleTxAck(downlinkID: UInt32, gatewayEUI: EUI64, error: String?) async {
        guard let sent = inFlight.removeValue(forKey: downlinkID) else { return }
        // From the device cache: a gateway acknowledges every downlink, and reading the registry
        // for each would put two reads on the writer's connection per answer.
        var info: DeviceInfo?
        if let devEUI = sent.devEUI { info = await deviceContext(devEUI)?.info }
        if let info {
            let event = NetworkServerEvent.txAck(TxAckEvent(downlinkId: downlinkID, time: timeString(nowMillis()), deviceInfo: info,
                                                            queueItemId: sent.queueItemID.map(String.init), fCntDown: sent.fCnt,
                                                            gatewayId: gatewayEUI.description, status: error ?? "OK"))
            // An answer inside a committed counter reservation leaves before the commit that
            // emits its uplink's `up` event, so its TX_ACK can return first: it queues behind
            // the events waiting for the next commit, and consumers see up, then txack.
            if writeBehindActive { pending.events.append(event) } else { emit(event) }
        }
        guard let error else { return }
        metrics.txAckErrors.increment()
        if var rx2 = sent.rx2 {
            rx2.downlinkID = allocateDownlinkID()
            trackInFlight(rx2.downlinkID, InFlightDownlink(devEUI: sent.devEUI, fCnt: sent.fCnt, queueItemID: sent.queueItemID,
                                                           rx2: nil, sentAtMillis: nowMillis()))
            do { try await transmit(rx2) } catch {
                logEvent("ERROR", "DOWNLINK_GATEWAY", "RX2 retry could not be sent: \(error)", device: info)
            }
        } else {
            logEvent("WARNING", "DOWNLINK_TX_ACK", "gateway \(gatewayEUI) refused the downlink: \(error)", device: info)
        }
    }
}
