public import LoRaWAN

/// Network-server settings (a Codable tree with defaults; ServerApp fills it from the config file).
public struct NetworkServerConfiguration: Codable, Sendable, Hashable {
    /// The network's NetID; joined devices get a DevAddr inside it.
    public var netID: NetID
    /// How long copies of one frame from several gateways are collected, in milliseconds.
    public var deduplicationWindowMillis: Int
    /// Close a deduplication window before `deduplicationWindowMillis` once every gateway that
    /// heard the sender's recent uplinks has reported (a sender only ever heard by one gateway:
    /// on its first copy). The window stays the upper bound; a sender never heard before waits
    /// the full window. Default on: waiting 200 ms on every uplink is most of the latency from
    /// uplink to downlink decision and buys nothing when no other gateway will report.
    public var deduplicationEarlyClose: Bool
    /// A gateway that heard any of a sender's last N uplinks is expected in its next window.
    public var deduplicationGatewayHistory: Int
    /// ADR installation margin in dB (Semtech/ChirpStack default 10).
    public var adrInstallationMargin: Double
    /// Give up on a MAC command after this many downlinks without an answer.
    public var macCommandMaxAttempts: Int
    /// Retries of an unacknowledged confirmed downlink before it is dropped.
    public var confirmedDownlinkMaxAttempts: Int
    /// Extra uplink channels announced in the join-accept CFList (frequency plans of type 0), per
    /// plan id. EU868 defaults to the usual 867.1–867.9 MHz channels.
    public var extraChannels: [String: [Int]]
    /// Downlink TX power in dBm; nil = the plan's max EIRP.
    public var downlinkTXPower: Int?
    /// How far ahead of use downlink counters (NFCntDown, AFCntDown) are stored: a class A answer
    /// whose only change is its counter is then sent after the next (cheap) commit without
    /// rewriting the session, and the session is written once per this many downlinks. A restart
    /// continues above every counter sent, skipping at most this many. 0 = write every downlink.
    public var downlinkCounterReservation: Int
    /// Write-behind period: accepted uplinks' counters and rows are committed in one transaction
    /// this often (and before any downlink); their events wait for that commit. This is the
    /// interval under light load; see `sessionCommitMaxIntervalMillis`. Default 10 ms: a fixed
    /// 50 ms made the tick the floor of uplink → event → webhook latency (p99 ≈ 55 ms at 1,000/s,
    /// ≈ 18 ms with 10 ms; BENCHMARKS.md `## Rules`).
    public var sessionCommitIntervalMillis: Int
    /// The interval under heavy load: after a commit that carried at least
    /// `sessionCommitBusyUplinks` uplinks the loop waits this long instead, because at thousands
    /// of uplinks per second fewer, larger transactions save CPU (10 ms throughout cost ≈ 10 % of
    /// the peak sustained rate). Default 50 ms.
    public var sessionCommitMaxIntervalMillis: Int
    /// Uplinks in one commit from which the load counts as heavy (default 64, i.e. ≈ 6,400/s at
    /// the 10 ms interval; back to the short interval below ≈ 1,280/s at 50 ms).
    public var sessionCommitBusyUplinks: Int
    /// Sessions whose only changes were uplink counters (ADR history, data rate) are written
    /// whole this often and at shutdown.
    public var staleSessionWriteMillis: Int

    public init(netID: NetID = NetID.zero, deduplicationWindowMillis: Int = 200, deduplicationEarlyClose: Bool = true,
                deduplicationGatewayHistory: Int = 8, adrInstallationMargin: Double = 10,
                macCommandMaxAttempts: Int = 3, confirmedDownlinkMaxAttempts: Int = 3,
                extraChannels: [String: [Int]] = ["EU868": [867_100_000, 867_300_000, 867_500_000, 867_700_000, 867_900_000]],
                downlinkTXPower: Int? = nil, downlinkCounterReservation: Int = 16, sessionCommitIntervalMillis: Int = 10, sessionCommitMaxIntervalMillis: Int = 50,
                sessionCommitBusyUplinks: Int = 64, staleSessionWriteMillis: Int = 30_000) {
        self.netID = netID
        self.deduplicationWindowMillis = deduplicationWindowMillis
        self.deduplicationEarlyClose = deduplicationEarlyClose
        self.deduplicationGatewayHistory = deduplicationGatewayHistory
        self.adrInstallationMargin = adrInstallationMargin
        self.macCommandMaxAttempts = macCommandMaxAttempts
        self.confirmedDownlinkMaxAttempts = confirmedDownlinkMaxAttempts
        self.extraChannels = extraChannels
        self.downlinkTXPower = downlinkTXPower
        self.downlinkCounterReservation = downlinkCounterReservation
        self.sessionCommitIntervalMillis = sessionCommitIntervalMillis
        self.sessionCommitMaxIntervalMillis = sessionCommitMaxIntervalMillis
        self.sessionCommitBusyUplinks = sessionCommitBusyUplinks
        self.staleSessionWriteMillis = staleSessionWriteMillis
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = NetworkServerConfiguration()
        netID = try c.decodeIfPresent(NetID.self, forKey: .netID) ?? d.netID
        deduplicationWindowMillis = try c.decodeIfPresent(Int.self, forKey: .deduplicationWindowMillis) ?? d.deduplicationWindowMillis
        deduplicationEarlyClose = try c.decodeIfPresent(Bool.self, forKey: .deduplicationEarlyClose) ?? d.deduplicationEarlyClose
        deduplicationGatewayHistory = try c.decodeIfPresent(Int.self, forKey: .deduplicationGatewayHistory) ?? d.deduplicationGatewayHistory
        adrInstallationMargin = try c.decodeIfPresent(Double.self, forKey: .adrInstallationMargin) ?? d.adrInstallationMargin
        macCommandMaxAttempts = try c.decodeIfPresent(Int.self, forKey: .macCommandMaxAttempts) ?? d.macCommandMaxAttempts
        confirmedDownlinkMaxAttempts = try c.decodeIfPresent(Int.self, forKey: .confirmedDownlinkMaxAttempts) ?? d.confirmedDownlinkMaxAttempts
        extraChannels = try c.decodeIfPresent([String: [Int]].self, forKey: .extraChannels) ?? d.extraChannels
        downlinkTXPower = try c.decodeIfPresent(Int.self, forKey: .downlinkTXPower) ?? d.downlinkTXPower
        downlinkCounterReservation = try c.decodeIfPresent(Int.self, forKey: .downlinkCounterReservation) ?? d.downlinkCounterReservation
        sessionCommitIntervalMillis = try c.decodeIfPresent(Int.self, forKey: .sessionCommitIntervalMillis) ?? d.sessionCommitIntervalMillis
        staleSessionWriteMillis = try c.decodeIfPresent(Int.self, forKey: .staleSessionWriteMillis) ?? d.staleSessionWriteMillis
        sessionCommitMaxIntervalMillis = try c.decodeIfPresent(Int.self, forKey: .sessionCommitMaxIntervalMillis) ?? d.sessionCommitMaxIntervalMillis
        sessionCommitBusyUplinks = try c.decodeIfPresent(Int.self, forKey: .sessionCommitBusyUplinks) ?? d.sessionCommitBusyUplinks
    }

    /// How long the write-behind loop waits after a commit that carried `uplinks` uplinks: the
    /// short interval under light load (latency), the long one under heavy load (CPU). Never
    /// below 1 ms; the long interval is never shorter than the short one.
    public func commitIntervalMillis(afterCommitOf uplinks: Int) -> Int {
        let short = max(1, sessionCommitIntervalMillis)
        return uplinks >= max(1, sessionCommitBusyUplinks) ? max(short, sessionCommitMaxIntervalMillis) : short
    }
}

extension NetID {
    /// NetID 000000 (type 0, NwkID 0): the experimental/private network id.
    public static var zero: NetID { (try? NetID(0)) ?? { fatalError("0 fits in 24 bits") }() }
}
