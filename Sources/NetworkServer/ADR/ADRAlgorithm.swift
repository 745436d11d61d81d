/// The SNR-margin ADR algorithm in the style of Semtech's and ChirpStack's default: from the best
/// SNR of the last 20 uplinks, the margin above what the current data rate needs decides how
/// many 3 dB steps to take: first to faster data rates, then to lower TX power; a negative margin
/// raises the power back.
public struct ADRAlgorithm: Sendable {
    /// Required demodulation SNR per LoRa spreading factor (Semtech SX127x datasheet table).
    static let requiredSNR: [Int: Double] = [5: -2.5, 6: -5, 7: -7.5, 8: -10, 9: -12.5, 10: -15, 11: -17.5, 12: -20]

    public var installationMargin: Double
    /// Number of uplinks the decision looks at.
    public var historyLength: Int

    public init(installationMargin: Double = 10, historyLength: Int = 20) {
        self.installationMargin = installationMargin
        self.historyLength = historyLength
    }

    public struct Decision: Equatable, Sendable {
        public var dataRate: Int
        public var txPowerIndex: Int
        public var nbTrans: Int
    }

    /// Decides the next data rate and TX power index.
    /// - Parameters:
    ///   - snrs: best SNR of each recent uplink (only the last `historyLength` are used).
    ///   - spreadingFactor: the spreading factor of the current data rate.
    ///   - maxDataRate: the fastest LoRa data rate the plan allows for uplinks.
    ///   - maxTXPowerIndex: the highest (lowest-power) TX power index.
    /// - Returns: nil while the history is shorter than `historyLength` (not enough to judge).
    public func decide(snrs: [Double], dataRate: Int, spreadingFactor: Int, txPowerIndex: Int,
                       maxDataRate: Int, maxTXPowerIndex: Int) -> Decision? {
        guard snrs.count >= historyLength, let required = Self.requiredSNR[spreadingFactor] else { return nil }
        let maxSNR = snrs.suffix(historyLength).max() ?? -100
        let margin = maxSNR - required - installationMargin
        var steps = clampedInt((margin / 3).rounded(.down))
        var dr = dataRate
        var power = txPowerIndex
        while steps > 0 && dr < maxDataRate { dr += 1; steps -= 1 }
        while steps > 0 && power < maxTXPowerIndex { power += 1; steps -= 1 }
        while steps < 0 && power > 0 { power -= 1; steps += 1 }
        return Decision(dataRate: dr, txPowerIndex: power, nbTrans: 1)
    }
}
