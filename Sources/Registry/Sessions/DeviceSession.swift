public import LoRaWAN

/// The network server's state for one activated device. Persisted after every accepted uplink and
/// every downlink, so a restart continues the counters and still refuses a replayed frame.
public struct DeviceSession: Codable, Sendable, Hashable {
    public var devEUI: EUI64
    public var devAddr: DevAddr
    public var macVersion: MACVersion
    public var keys: SessionKeys
    /// The last accepted uplink frame counter (32-bit), nil before the first uplink.
    public var fCntUp: UInt32?
    /// Next network downlink counter (NFCntDown; FCntDown in 1.0.x).
    public var nFCntDown: UInt32
    /// Next application downlink counter (AFCntDown, 1.1 only).
    public var aFCntDown: UInt32
    /// RX1 delay in seconds.
    public var rx1Delay: Int
    public var rx1DROffset: Int
    public var rx2DataRate: Int
    public var rx2Frequency: UInt32
    /// Current uplink data rate and TX power index the network believes the device uses.
    public var dataRate: Int
    public var txPowerIndex: Int
    public var nbTrans: Int
    /// Channels the device has enabled (indices into the plan).
    public var enabledChannels: [Int]
    /// The last 20 uplinks' link quality, for ADR.
    public var uplinkHistory: [UplinkSample]
    /// MAC commands waiting to be sent (or sent and awaiting an answer).
    public var pendingMACCommands: [PendingMACCommand]
    /// Battery level (0 external, 1–254, 255 unknown) and demodulation margin from DevStatusAns.
    public var battery: Int?
    public var margin: Int?
    /// A confirmed downlink awaiting the device's ACK: its queue item and the counter used.
    public var pendingConfirmedDownlink: PendingConfirmedDownlink?
    /// When the session started (join or ABP activation), ms since the Unix epoch.
    public var activatedAtMillis: Int64
    /// 1.1: RekeyInd received (until then the network keeps answering RekeyConf).
    public var rekeyConfirmed: Bool?
    /// What the last LinkADRReq asked for; applied when the device accepts it.
    public var adrTarget: ADRTarget?
    /// 1.1: the last RJcount0 of a rejoin-request type 0/2 accepted in this session (reset by a join-accept).
    public var lastRJCount0: UInt16?
    /// 1.1: the last RJcount1 of a rejoin-request type 1 accepted for the device (carried across sessions).
    public var lastRJCount1: UInt16?

    public init(devEUI: EUI64, devAddr: DevAddr, macVersion: MACVersion, keys: SessionKeys, rx1Delay: Int = 1,
                rx1DROffset: Int = 0, rx2DataRate: Int = 0, rx2Frequency: UInt32 = 869_525_000, dataRate: Int = 0,
                txPowerIndex: Int = 0, enabledChannels: [Int] = [0, 1, 2], activatedAtMillis: Int64 = 0) {
        self.devEUI = devEUI; self.devAddr = devAddr; self.macVersion = macVersion; self.keys = keys
        self.fCntUp = nil; self.nFCntDown = 0; self.aFCntDown = 0
        self.rx1Delay = rx1Delay; self.rx1DROffset = rx1DROffset; self.rx2DataRate = rx2DataRate; self.rx2Frequency = rx2Frequency
        self.dataRate = dataRate; self.txPowerIndex = txPowerIndex; self.nbTrans = 1; self.enabledChannels = enabledChannels
        self.uplinkHistory = []; self.pendingMACCommands = []; self.activatedAtMillis = activatedAtMillis
    }
}

/// Link quality of one uplink, as ADR needs it.
public struct UplinkSample: Codable, Sendable, Hashable {
    public var fCnt: UInt32
    /// Best SNR over all gateways that heard it.
    public var maxSNR: Double
    public var gatewayCount: Int
    public var txPowerIndex: Int

    public init(fCnt: UInt32, maxSNR: Double, gatewayCount: Int, txPowerIndex: Int) {
        self.fCnt = fCnt; self.maxSNR = maxSNR; self.gatewayCount = gatewayCount; self.txPowerIndex = txPowerIndex
    }
}

/// A MAC command the network wants the device to execute, as encoded bytes (CID first).
public struct PendingMACCommand: Codable, Sendable, Hashable {
    public var cid: UInt8
    public var bytes: [UInt8]
    /// How many downlinks carried it without an answer; the server gives up after a limit.
    public var attempts: Int

    public init(cid: UInt8, bytes: [UInt8], attempts: Int = 0) {
        self.cid = cid; self.bytes = bytes; self.attempts = attempts
    }
}

/// A confirmed downlink sent and not yet acknowledged.
public struct PendingConfirmedDownlink: Codable, Sendable, Hashable {
    public var queueItemID: Int64
    public var fCnt: UInt32
    public var attempts: Int

    public init(queueItemID: Int64, fCnt: UInt32, attempts: Int = 1) {
        self.queueItemID = queueItemID; self.fCnt = fCnt; self.attempts = attempts
    }
}

/// The data rate, power and repetition a LinkADRReq asked for.
public struct ADRTarget: Codable, Sendable, Hashable {
    public var dataRate: Int
    public var txPowerIndex: Int
    public var nbTrans: Int

    public init(dataRate: Int, txPowerIndex: Int, nbTrans: Int) {
        self.dataRate = dataRate; self.txPowerIndex = txPowerIndex; self.nbTrans = nbTrans
    }
}
