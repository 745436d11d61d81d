public import LoRaWAN

/// Why the bridge could not do what it was asked.
public enum GatewayBridgeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The gateway has not sent a PULL_DATA yet, so there is no address to send a PULL_RESP to.
    case gatewayNotConnected(EUI64)
    /// The listener is not running (not started yet, or shut down).
    case notRunning
    /// Binding the UDP socket failed.
    case bindFailed(String)

    /// A stable snake_case code.
    public var code: String {
        switch self {
        case .gatewayNotConnected: return "gateway_not_connected"
        case .notRunning: return "bridge_not_running"
        case .bindFailed: return "bind_failed"
        }
    }

    public var description: String {
        switch self {
        case let .gatewayNotConnected(eui): return "gateway \(eui) has not sent PULL_DATA; no downlink route"
        case .notRunning: return "the gateway bridge is not running"
        case let .bindFailed(reason): return "cannot bind the packet-forwarder UDP port: \(reason)"
        }
    }
}
