import Foundation
import PayloadCodecs

extension CodecService {
    /// One uplink to decode in a batch.
    struct DecodeRequest: Sendable {
        var codec: String
        var bytes: [UInt8]
        var fPort: Int
    }

    /// Decodes the uplinks of one event batch in order, in one visit to the actor (one hop per
    /// batch rather than per uplink); each result is what ``decode(codec:bytes:fPort:time:)``
    /// gives for that uplink, so one failing codec does not affect the others.
    func decode(batch requests: [DecodeRequest], time: Date) -> [Result<DecodedPayload, CodecError>] {
        requests.map { r in
            Result { () throws(CodecError) in try decode(codec: r.codec, bytes: r.bytes, fPort: r.fPort, time: time) }
        }
    }
}
