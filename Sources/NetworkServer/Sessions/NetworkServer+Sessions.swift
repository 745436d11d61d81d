import LoRaWAN
import Registry

extension NetworkServer {
    /// The session of `devEUI`: from the cache, else from the store (then cached).
    func loadSession(devEUI: EUI64) async throws -> DeviceSession? {
        if let s = cache[devEUI] { return s }
        guard let stored = try await sessions.session(devEUI: devEUI) else { return nil }
        if let s = cache[devEUI] { return s }  // written while we were reading
        cache.put(stored)
        return stored
    }

    /// Every session using `devAddr`; the store is asked once per DevAddr.
    func candidateSessions(devAddr: DevAddr) async throws -> [DeviceSession] {
        if !cache.isLoaded(devAddr) {
            let stored = try await sessions.sessions(devAddr: devAddr)
            cache.merge(stored: stored, for: devAddr)
        }
        return cache.sessions(devAddr: devAddr)
    }

    /// Write-through: caches the session and returns once it (and everything pending before it)
    /// is committed. Used for joins, activations, MAC requests and downlink counters.
    func saveSession(_ session: DeviceSession) async throws {
        reserveDownlinkCounters(session)
        cache.put(session)
        pending.markFull(session)
        try await commitPending()
    }

    /// Caches the session; the next commit writes it whole. Every whole write carries a
    /// downlink-counter reservation (made or renewed here), so the answers that follow can go
    /// out without waiting for a commit.
    func saveSessionLater(_ session: DeviceSession) {
        reserveDownlinkCounters(session)
        cache.put(session)
        pending.markFull(session)
    }

    /// Commits everything pending (sessions, counters, uplink rows) in one store transaction,
    /// then emits the events that waited for it. Commits are serialized: when one is running the
    /// caller waits for it and then commits what is left, so on return everything marked before
    /// the call is durable (or the error is thrown and logged).
    func commitPending(includeStale: Bool = false) async throws {
        while flushing {
            await withCheckedContinuation { flushWaiters.append($0) }
        }
        if includeStale {
            for eui in pending.stale where pending.full[eui] == nil {
                if let s = cache[eui] { pending.markFull(s) }
            }
            pending.stale.removeAll()
        }
        guard !pending.isEmpty else { return }
        flushing = true
        let batch = pending
        pending = WriteBehind()
        pending.stale = batch.stale
        defer {
            flushing = false
            let waiters = flushWaiters
            flushWaiters = []
            for w in waiters { w.resume() }
        }
        do {
            // Stored sessions carry their reserved downlink counters (never less than in use).
            let whole = batch.full.values.map { s in counterReservations[s.devEUI].map { $0.applied(to: s) } ?? s }
            if !batch.full.isEmpty || !batch.counters.isEmpty || !batch.uplinks.isEmpty {
                try await sessions.commitBatch(sessions: whole,
                                               counters: batch.counters.map { (devEUI: $0.key, fCntUp: $0.value) }, uplinks: batch.uplinks)
            }
            for s in whole { counterReservations[s.devEUI]?.recordStored(s) }
            metrics.commits.increment()
            emit(all: batch.events)
        } catch {
            // The counters of the batch's downlinks are not stored: sending them could reuse an
            // FCntDown after a restart, so they are dropped (the device retries a confirmed uplink).
            for t in batch.transmits {
                inFlight[t.frame.downlinkID] = nil
                logEvent("ERROR", "DOWNLINK_GATEWAY", "downlink not sent: its frame counter could not be stored", device: t.info)
            }
            // Nothing of the batch is stored: mark its sessions again (their newest state), keep
            // the events (the frames were valid) and report the storage failure.
            for eui in Set(batch.full.keys).union(batch.counters.keys) where pending.full[eui] == nil {
                if let s = cache[eui] { pending.markFull(s) }
            }
            logger.error("session commit failed", metadata: ["ns.error": "\(error)", "ns.sessions": "\(batch.full.count + batch.counters.count)"])
            logEvent("ERROR", "STORAGE", "\(batch.uplinks.count) uplinks' session state not saved: \(error)", device: nil)
            emit(all: batch.events)
            throw error
        }
        // Committed: the downlinks of the batch may go out now.
        for t in batch.transmits {
            do { try await transmit(t.frame) } catch {
                logEvent("ERROR", "DOWNLINK_GATEWAY", "downlink not sent: \(error)", device: t.info,
                         context: ["gateway_id": t.frame.gatewayEUI.description])
            }
        }
    }

    /// Group commit for class A answers: starts a commit of everything pending unless one is
    /// already running for them; what arrives while it runs forms the next group, committed as
    /// soon as it ends. The caller (the drain loop) does not wait, so uplink processing goes on
    /// while SQLite writes; the answers go out when their batch is durable.
    func requestTransmitCommit() {
        guard !transmitCommitRunning else { return }
        transmitCommitRunning = true
        Task { await self.commitWhileTransmitsWait() }
    }

    func commitWhileTransmitsWait() async {
        while !pending.transmits.isEmpty {
            try? await commitPending()
        }
        transmitCommitRunning = false
    }

    /// The write-behind loop: commits every `sessionCommitIntervalMillis` (`sessionCommitMaxIntervalMillis`
    /// under heavy load), writes stale sessions
    /// whole every `staleSessionWriteMillis`, and commits everything at shutdown.
    func runCommitLoop() async {
        writeBehindActive = true
        var interval = configuration.commitIntervalMillis(afterCommitOf: 0)
        var lastStale = nowMillis()
        while !Task.isCancelled {
            do { try await clock.sleep(for: .milliseconds(interval)) } catch { break }
            let now = nowMillis()
            let stale = now - lastStale >= Int64(configuration.staleSessionWriteMillis)
            if stale { lastStale = now }
            // The load, as uplinks in this commit, picks the next wait (short when light).
            let uplinks = pending.uplinks.count
            try? await commitPending(includeStale: stale)
            interval = configuration.commitIntervalMillis(afterCommitOf: uplinks)
        }
    }

    /// Ends write-behind: later uplinks commit as they are processed; everything pending is
    /// written, sessions whole.
    func stopWriteBehind() async {
        writeBehindActive = false
        try? await commitPending(includeStale: true)
    }
}

extension NetworkServer {
    /// Commits what is pending, then forgets every cached session so the next uplink reads the
    /// store again. For tools and tests that edit sessions in the store directly: the cache is
    /// authoritative, so without this such edits are not seen (and may be overwritten).
    public func reloadSessions() async throws {
        try await commitPending(includeStale: true)
        cache = SessionCache()
    }
}
