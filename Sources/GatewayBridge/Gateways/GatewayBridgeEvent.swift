public import LoRaWAN
public import PacketForwarder

/// Something the bridge reports besides uplink frames.
public enum GatewayBridgeEvent: Sendable, Equatable {
    /// A stat report arrived; carries the updated status.
    case status(GatewayStatus)
    /// The gateway answered a PULL_RESP.
    case txAck(downlinkID: UInt32, gatewayEUI: EUI64, result: TxAckResult)
    /// An unknown gateway was accepted (auto-registration on); the registry should record it.
    case gatewayRegistered(EUI64)
}
