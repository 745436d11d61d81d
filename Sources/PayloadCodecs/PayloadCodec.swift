/// A device's payload codec: a JavaScript codec or the native Cayenne LPP one.
///
/// This is what a device profile resolves to; the network server calls `decodeUplink` per uplink
/// and `encodeDownlink` for downlinks given as objects.
public enum PayloadCodec: Sendable {
    /// Native Cayenne LPP (`CayenneLPP`).
    case cayenneLPP
    /// A JavaScript codec (TTN / ChirpStack v4 conventions).
    case script(ScriptCodec)

    /// Decodes an uplink into `{data, warnings, errors}`.
    public func decodeUplink(_ input: UplinkInput) throws(CodecError) -> DecodedPayload {
        switch self {
        case .cayenneLPP:
            let data = try CayenneLPP.decode(input.bytes)
            return DecodedPayload(data: data, result: .object(["data": .object(data)]))
        case .script(let codec):
            return try codec.decodeUplink(input)
        }
    }

    /// Decodes a downlink payload back into an object (for display and checking).
    public func decodeDownlink(_ input: UplinkInput) throws(CodecError) -> DecodedPayload {
        switch self {
        case .cayenneLPP:
            let data = try CayenneLPP.decode(input.bytes)
            return DecodedPayload(data: data, result: .object(["data": .object(data)]))
        case .script(let codec):
            return try codec.decodeDownlink(input)
        }
    }

    /// Encodes a downlink object into bytes (Cayenne LPP keeps no fPort preference).
    public func encodeDownlink(_ input: DownlinkInput) throws(CodecError) -> EncodedPayload {
        switch self {
        case .cayenneLPP:
            guard case .object(let object) = input.data else { throw .cayenneLPP("the downlink data must be an object") }
            let bytes = try CayenneLPP.encode(object)
            return EncodedPayload(bytes: bytes, fPort: nil, warnings: [], errors: [],
                                  result: .object(["bytes": PayloadBytes.json(bytes)]))
        case .script(let codec):
            return try codec.encodeDownlink(input)
        }
    }
}
