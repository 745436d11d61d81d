public import LoRaWAN
public import Registry
import RegionalParameters

/// Everything the data-uplink stages learn about one deduplicated uplink, filled stage by stage
/// (ChirpStack's `uplink/data.rs` pattern: a context struct plus ordered, named stages).
public struct UplinkContext: Sendable {
    /// Every copy received (one per gateway/antenna), best signal first.
    public var frames: [UplinkFrame]
    public var phy: PHYPayload
    public var macPayload: MACPayload
    public var deduplicationID: String
    public var receivedAtMillis: Int64

    /// Resolved by `resolveSession`.
    public var session: DeviceSession?
    public var device: Device?
    public var profile: DeviceProfile?
    /// The event `deviceInfo` of the resolved device.
    public var info: DeviceInfo?
    /// The full 32-bit FCnt the MIC verified with.
    public var fCnt: UInt32 = 0
    /// The uplink data rate index in the plan.
    public var dataRate: Int = 0
    /// Decrypted FRMPayload (application data for FPort > 0).
    public var payload: [UInt8] = []
    /// MAC commands the device sent (FOpts or FPort 0).
    public var macCommands: [MACCommand] = []
    /// MAC commands to answer with in the next downlink.
    public var macAnswers: [MACCommand] = []
    /// Whether the frame acknowledges our last confirmed downlink.
    public var acknowledgedDownlink: PendingConfirmedDownlink?
    /// Battery and margin from a DevStatusAns in this uplink.
    public var devStatus: (battery: Int, margin: Int)?

    public var confirmed: Bool { phy.mhdr.mType == .confirmedDataUp }
    public var best: UplinkFrame { frames[0] }

    init(frames: [UplinkFrame], phy: PHYPayload, macPayload: MACPayload, deduplicationID: String, receivedAtMillis: Int64) {
        self.frames = frames
        self.phy = phy
        self.macPayload = macPayload
        self.deduplicationID = deduplicationID
        self.receivedAtMillis = receivedAtMillis
    }
}

/// What processing an uplink produced.
public enum UplinkOutcome: Sendable, Equatable {
    /// Accepted (data or join); `downlink` is the answer, if any. Class A answers (join-accepts
    /// included) are handed to the gateway right after the next commit, which stores everything
    /// they depend on (`process(frames:)` commits before it returns).
    case accepted(downlink: DownlinkFrame?)
    /// Refused; nothing changed.
    case dropped(DropReason)
}
