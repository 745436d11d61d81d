/// One regional channel plan (EU868, US915, …) as loaded from a `Regions/` JSON file.
///
/// A plan is a value: it holds the tables of the LoRaWAN Regional Parameters specification
/// (RP002-1.0.4) for one region, and the methods in its extensions answer the questions a network
/// server asks (RX1/RX2 parameters, maximum payload, CFList, LinkADRReq channel masks, TX power).
/// Frequencies are integer Hz, durations integer milliseconds. Plans are created only by
/// ``ChannelPlan/load(from:fileName:)`` (or ``RegionCatalog``), which validates every field.
public struct ChannelPlan: Sendable, Equatable {
    /// Whether the region has a dynamic channel plan (default channels + CFList type 0, up to 16
    /// channels: EU868, AS923, …) or a fixed one (numbered channels + CFList type 1: US915, AU915, CN470).
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case dynamic
        case fixed
    }

    /// The CFListType octet of a join-accept CFList (RP002-1.0.4 §2.3.1/§2.3.2).
    public enum CFListType: UInt8, Sendable, Equatable {
        /// A list of up to five channel frequencies (dynamic plans).
        case frequencies = 0
        /// Channel-mask blocks (fixed plans).
        case channelMask = 1
    }

    /// How the LinkADRReq ChMaskCntl field is interpreted in this region.
    public enum ChannelMaskScheme: String, Sendable, Equatable, CaseIterable {
        /// Up to 16 channels: ChMaskCntl 0 = ChMask applies to channels 0–15, 6 = all defined channels on
        /// (EU868 and every other dynamic plan).
        case dynamic16 = "dynamic16"
        /// 64 × 125 kHz + 8 × 500 kHz channels (US915, AU915): ChMaskCntl 0–3 = blocks of 16,
        /// 4 = channels 64–71, 5 = eight sub-bands of 8+1 channels, 6 = all 125 kHz on, 7 = all 125 kHz off
        /// (with ChMask applying to channels 64–71 for 6 and 7).
        case fixed64Plus8 = "fixed64+8"
        /// 64 channels (CN470 20 MHz plans): ChMaskCntl 0–3 = blocks of 16, 6 = all channels on.
        case fixed64 = "fixed64"
    }

    /// How the RX1 downlink channel follows from the uplink channel.
    public enum RX1ChannelRule: Sendable, Equatable {
        /// RX1 uses the uplink frequency (dynamic plans).
        case sameAsUplink
        /// RX1 uses downlink channel (uplink channel index mod `modulo`) — US915/AU915 use 8; the CN470
        /// 20 MHz plan A uses 64, i.e. the downlink channel with the same number.
        case downlinkChannelModulo(Int)
    }

    /// A class B beacon or ping-slot channel: a fixed frequency, or `count` frequencies
    /// `frequency + k·step` that the beacon/ping slot hops over (US915, AU915, CN470).
    public struct ClassBChannel: Sendable, Equatable {
        /// The (first) frequency, Hz.
        public let frequency: Int
        /// Distance between hopping frequencies, Hz (0 when fixed).
        public let step: Int
        /// Number of hopping frequencies (1 when fixed).
        public let count: Int
        /// Data rate of the beacon or ping slot.
        public let dataRate: Int
        /// True when the channel hops (count > 1).
        public var hops: Bool { count > 1 }
    }

    /// The frame-size limits for one data rate (RP002 "maximum payload size" tables).
    public struct MaxPayloadSize: Sendable, Equatable, Hashable {
        /// Maximum MACPayload size M in bytes.
        public let m: Int
        /// Maximum application payload N in bytes when FOpts is empty (M − 8).
        public let n: Int
        /// Sizes M and N in bytes.
        public init(m: Int, n: Int) {
            self.m = m
            self.n = n
        }
    }

    /// One maximum-payload table, selected by dwell time and repeater compatibility.
    public struct MaxPayloadSizeTable: Sendable, Equatable {
        /// True for the 400 ms dwell-time table.
        public let dwellTime: Bool
        /// True for the repeater-compatible table.
        public let repeaterCompatible: Bool
        /// Data-rate index → size. A data rate absent here is "not defined" in that table.
        public let sizes: [Int: MaxPayloadSize]
    }

    /// Frequency and data rate of a receive window.
    public struct RXWindow: Sendable, Equatable, Hashable {
        /// Frequency, Hz.
        public let frequency: Int
        /// Data-rate index.
        public let dataRate: Int
        /// A receive window on `frequency` Hz at data rate `dataRate`.
        public init(frequency: Int, dataRate: Int) {
            self.frequency = frequency
            self.dataRate = dataRate
        }
    }

    /// Plan identifier as used in `plans.json` and configuration (e.g. "EU868", "AS923-2").
    public let id: String
    /// The specification's name of the band (e.g. "EU863-870").
    public let name: String
    /// The specification revision the tables come from (e.g. "RP002-1.0.4").
    public let specification: String
    /// Dynamic or fixed channel plan.
    public let kind: Kind
    /// Lowest and highest channel centre frequency allowed in the band, Hz.
    public let frequencyRange: ClosedRange<Int>
    /// Data rates by index, ascending.
    public let dataRates: [DataRate]
    /// Uplink channels by channel index: the default channels of a dynamic plan, or all channels of
    /// a fixed plan (US915: 0–63 at 125 kHz, 64–71 at 500 kHz).
    public let uplinkChannels: [Channel]
    /// The channels an end-device uses to send join-requests.
    public let joinChannels: [Channel]
    /// Downlink channels by index (fixed plans only; empty for dynamic plans).
    public let downlinkChannels: [Channel]
    /// How the RX1 frequency follows from the uplink.
    public let rx1ChannelRule: RX1ChannelRule
    /// RX1 data rate by uplink data rate, indexed by RX1DROffset (downlink dwell time off).
    public let rx1DataRates: [Int: [Int]]
    /// RX1 data rate table used when the downlink dwell time is on (AS923), or nil when the region
    /// has no dwell-dependent table.
    public let rx1DataRatesDownlinkDwellTime: [Int: [Int]]?
    /// Default RX2 frequency and data rate.
    public let rx2: RXWindow
    /// RX2 frequency per join channel for devices that joined by OTAA, when the region defines one
    /// (CN470 20 MHz plans); empty otherwise. Index = join channel index in ``joinChannels``.
    public let rx2FrequenciesByJoinChannel: [Int]
    /// The maximum-payload tables; use ``maxPayloadSize(dataRate:dwellTime:repeaterCompatible:)``.
    public let maxPayloadSizeTables: [MaxPayloadSizeTable]
    /// Default maximum EIRP of an end-device, dBm.
    public let maxEIRP: Double
    /// TXPower index → offset from max EIRP in dB (0, −2, −4, …).
    public let txPowerOffsets: [Double]
    /// The CFList type this region's join-accepts carry.
    public let cfListType: CFListType
    /// How LinkADRReq ChMaskCntl is interpreted in this region.
    public let channelMaskScheme: ChannelMaskScheme
    /// RECEIVE_DELAY1 / RECEIVE_DELAY2 / JOIN_ACCEPT_DELAY1 / JOIN_ACCEPT_DELAY2, milliseconds.
    public let receiveDelay1: Int
    /// RECEIVE_DELAY2, ms (RECEIVE_DELAY1 + 1000).
    public let receiveDelay2: Int
    /// JOIN_ACCEPT_DELAY1, ms.
    public let joinAcceptDelay1: Int
    /// JOIN_ACCEPT_DELAY2, ms (JOIN_ACCEPT_DELAY1 + 1000).
    public let joinAcceptDelay2: Int
    /// The UplinkDwellTime an end-device assumes until a TxParamSetupReq changes it.
    public let defaultUplinkDwellTime: Bool
    /// The DownlinkDwellTime an end-device assumes until a TxParamSetupReq changes it.
    public let defaultDownlinkDwellTime: Bool
    /// Class B beacon channel.
    public let beacon: ClassBChannel
    /// Class B default ping-slot channel.
    public let pingSlot: ClassBChannel

    // Network choices (not from the specification): what this network adds or enables.

    /// Channels the network adds to a dynamic plan through the join-accept CFList (channel indices
    /// `uplinkChannels.count…`; at most 5 can be sent in a CFList, 16 channels in all). Empty for
    /// fixed plans and for plans that add none.
    public let extraChannels: [Channel]
    /// The uplink channel indices the network wants enabled (a US915 gateway with 8+1 channels uses
    /// sub-band 2: 8–15 and 65). Defaults to every channel of the plan (default + extra channels for
    /// dynamic plans).
    public let enabledUplinkChannels: Set<Int>
}
