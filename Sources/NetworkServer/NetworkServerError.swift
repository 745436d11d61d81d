public import LoRaWAN

/// Errors of the network server's operations (not drops: see `DropReason`).
public enum NetworkServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRegion(String)
    case deviceNotFound(EUI64)
    case noSession(EUI64)
    case payloadTooLarge(size: Int, maximum: Int)
    case invalidFPort(UInt8)
    case frame(String)

    public var code: String {
        switch self {
        case .unknownRegion: return "unknown_region"
        case .deviceNotFound: return "device_not_found"
        case .noSession: return "session_not_found"
        case .payloadTooLarge: return "payload_too_large"
        case .invalidFPort: return "invalid_f_port"
        case .frame: return "frame_error"
        }
    }

    public var description: String {
        switch self {
        case let .unknownRegion(r): return "no channel plan \(r)"
        case let .deviceNotFound(e): return "device \(e) not found"
        case let .noSession(e): return "device \(e) has not joined"
        case let .payloadTooLarge(size, maximum): return "payload of \(size) bytes exceeds \(maximum) at this data rate"
        case let .invalidFPort(p): return "FPort \(p) is not an application port (1–223)"
        case let .frame(reason): return "cannot build frame: \(reason)"
        }
    }
}
