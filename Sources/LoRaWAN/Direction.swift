/// Which way a frame or MAC command travels. FCtrl bits and MAC command payloads are read per direction.
public enum Direction: String, Hashable, Sendable, Codable {
    /// End device to network.
    case uplink
    /// Network to end device.
    case downlink
}
