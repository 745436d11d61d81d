/// The open alerts, and the rules that turn detector actions into alert transitions.
///
/// Deduplication: at most one open alert per (detector, device). `fire` while one is open updates
/// it (`updated`: new message, value and count, same id, no hook call); `resolve` with none open is
/// ignored. A resolved alert is closed for good; the next fire opens a new alert with a new id.
/// Pure: the caller persists each transition (AlertStore) and rebuilds the book from the store's
/// open alerts after a restart.
public struct AlertBook: Sendable {
    public private(set) var open: [AlertKey: Alert] = [:]
    private var severities: [String: Severity] = [:]
    private var types: [String: String] = [:]

    /// - Parameters:
    ///   - definitions: the detectors, for their default severity and type.
    ///   - openAlerts: alerts that were open when the process last stopped.
    public init(definitions: [DetectorDefinition], openAlerts: [Alert] = []) {
        for d in definitions {
            severities[d.id] = d.severity
            types[d.id] = d.kind.typeName
        }
        for a in openAlerts where a.isOpen { open[a.key] = a }
    }

    /// Replaces the detector definitions (after a reload): their severities and types apply to
    /// alerts opened from now on; open alerts stay open.
    public mutating func update(definitions: [DetectorDefinition]) {
        for d in definitions {
            severities[d.id] = d.severity
            types[d.id] = d.kind.typeName
        }
    }

    /// Registers an alert source that is not a detector (a rule's `alert` action): its type name
    /// (`rule`) for alerts it opens.
    public mutating func registerSource(id: String, type: String) {
        types[id] = type
    }

    /// Resolves an open alert by hand (the HTTP API). Resolving an alert that is already resolved
    /// changes nothing and returns nil.
    /// - Throws: `EventsError.alertNotFound` when no open alert has this id.
    public mutating func resolve(id: String, at time: Int64, message: String?) throws(EventsError) -> AlertTransition? {
        guard let (key, alert) = open.first(where: { $0.value.id == id }) else { throw .alertNotFound(id: id) }
        var a = alert
        open.removeValue(forKey: key)
        a.state = .resolved
        a.resolvedAt = time
        a.updatedAt = time
        a.resolveMessage = message
        return AlertTransition(.resolved, a)
    }

    /// Applies one detector output; returns the transition it caused, if any.
    public mutating func apply(_ output: DetectorOutput) -> AlertTransition? {
        let key = AlertKey(detectorID: output.detectorID, device: output.device)
        switch output.action {
        case let .fire(signal):
            if var alert = open[key] {
                alert.message = signal.message
                alert.value = signal.value
                alert.updatedAt = signal.time
                alert.fireCount &+= 1
                if let s = signal.severity { alert.severity = s }
                open[key] = alert
                return AlertTransition(.updated, alert)
            }
            let alert = Alert(id: "\(output.detectorID):\(output.device):\(signal.time)",
                              detectorID: output.detectorID,
                              detectorType: types[output.detectorID] ?? "unknown",
                              device: output.device,
                              severity: signal.severity ?? severities[output.detectorID] ?? .warning,
                              state: .firing, message: signal.message, value: signal.value,
                              firedAt: signal.time, updatedAt: signal.time, fireCount: 1)
            open[key] = alert
            return AlertTransition(.fired, alert)
        case let .resolve(time, message):
            guard var alert = open.removeValue(forKey: key) else { return nil }
            alert.state = .resolved
            alert.resolvedAt = time
            alert.updatedAt = time
            alert.resolveMessage = message
            return AlertTransition(.resolved, alert)
        case .stateChanged:
            return nil
        }
    }

    /// Applies outputs in order; returns the transitions they caused.
    public mutating func apply(_ outputs: [DetectorOutput]) -> [AlertTransition] {
        outputs.compactMap { apply($0) }
    }

    /// Acknowledges an open alert. Acknowledging an acknowledged alert changes nothing and
    /// returns nil.
    /// - Throws: `EventsError.alertNotFound` when no open alert has this id.
    public mutating func acknowledge(id: String, by who: String?, at time: Int64) throws(EventsError) -> AlertTransition? {
        guard let (key, alert) = open.first(where: { $0.value.id == id }) else { throw .alertNotFound(id: id) }
        guard alert.state == .firing else { return nil }
        var a = alert
        a.state = .acknowledged
        a.acknowledgedAt = time
        a.acknowledgedBy = who
        a.updatedAt = time
        open[key] = a
        return AlertTransition(.acknowledged, a)
    }
}
