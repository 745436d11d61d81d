/// One channel: centre frequency (Hz) and the data-rate range allowed on it.
public struct Channel: Sendable, Equatable, Hashable {
    /// Centre frequency, Hz.
    public let frequency: Int
    /// Lowest data-rate index allowed on the channel.
    public let minDataRate: Int
    /// Highest data-rate index allowed on the channel.
    public let maxDataRate: Int
    /// A channel with `frequency` Hz and data rates `minDataRate…maxDataRate`.
    public init(frequency: Int, minDataRate: Int, maxDataRate: Int) {
        self.frequency = frequency
        self.minDataRate = minDataRate
        self.maxDataRate = maxDataRate
    }
}
