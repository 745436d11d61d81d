extension ChannelPlan {
    /// The EIRP in dBm for TXPower index `index` (max EIRP plus the table's offset, RP002 "TX power
    /// table": 0 = max EIRP, n = max EIRP − 2n dB). `maxEIRP` overrides the region default for devices
    /// whose max EIRP was communicated out of band.
    /// - Throws: ``RegionalParametersError/invalidArgument(_:)`` for an index the table does not define.
    public func txPower(index: Int, maxEIRP deviceMaxEIRP: Double? = nil) throws(RegionalParametersError) -> Double {
        guard txPowerOffsets.indices.contains(index) else {
            throw .invalidArgument("TXPower \(index) is not defined in \(id) (0…\(txPowerOffsets.count - 1))")
        }
        return (deviceMaxEIRP ?? maxEIRP) + txPowerOffsets[index]
    }

    /// The TXPower index that gives the highest EIRP not above `eirp` dBm, clamped to the table:
    /// at or above max EIRP → 0, below the lowest entry → the last index.
    public func txPowerIndex(forEIRP eirp: Double, maxEIRP deviceMaxEIRP: Double? = nil) -> Int {
        let maximum = deviceMaxEIRP ?? maxEIRP
        for (index, offset) in txPowerOffsets.enumerated() where maximum + offset <= eirp + 1e-9 {
            return index
        }
        return txPowerOffsets.count - 1
    }
}
