public import NIOCore

/// A streaming MQTT packet decoder for SwiftNIO.
///
/// Explicit state in the manner of NIO's `WebSocketFrameDecoder`: it waits for a fixed header
/// (type/flags byte and a remaining length of up to four bytes), then for the whole body, then
/// parses the body with ``MQTTPacket/decode(fixedHeader:body:version:)``. A partial header or
/// body returns `.needMoreData` without consuming bytes.
///
/// On a server the decoder starts without a version (`version == nil`): the first packet must be
/// CONNECT, whose protocol level fixes the version for everything after it. A client sets the
/// version up front.
public struct MQTTDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = MQTTPacket

    enum State: Sendable {
        /// Waiting for the first byte and the remaining length.
        case waitingForHeader
        /// Header read: `bodyLength` bytes must follow.
        case waitingForBody(fixedHeader: UInt8, bodyLength: Int)
    }

    var state: State = .waitingForHeader
    /// The protocol version, once known.
    public private(set) var version: ProtocolVersion?
    /// Packets larger than this (fixed header included) are refused with ``MQTTError/packetTooLarge(size:maximum:)``.
    public let maximumPacketSize: Int
    /// The topic of the last PUBLISH, reused when the next one names the same topic.
    var lastTopic: String?

    /// - Parameters:
    ///   - version: the protocol version, or `nil` on a server to learn it from CONNECT.
    ///   - maximumPacketSize: the largest packet accepted, in bytes (at most 268,435,460).
    public init(version: ProtocolVersion? = nil, maximumPacketSize: Int = 268_435_460) {
        self.version = version
        self.maximumPacketSize = maximumPacketSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(packet))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Decodes the next packet from `buffer`, or returns `nil` when more bytes are needed.
    /// Usable without a channel (tests, benchmarks, fuzzing).
    public mutating func next(from buffer: inout ByteBuffer) throws(MQTTError) -> MQTTPacket? {
        while true {
            switch state {
            case .waitingForHeader:
                // Fail fast on a server when the first byte already shows the peer is not
                // sending CONNECT (an HTTP request, say), instead of waiting for a body.
                if version == nil, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
                   first != PacketType.connect.rawValue << 4 {
                    throw .unexpectedPacket("the first packet must be CONNECT")
                }
                guard let (header, length, headerSize) = try Self.peekFixedHeader(buffer) else { return nil }
                let total = headerSize + length
                guard total <= maximumPacketSize else { throw .packetTooLarge(size: total, maximum: maximumPacketSize) }
                buffer.moveReaderIndex(forwardBy: headerSize)
                state = .waitingForBody(fixedHeader: header, bodyLength: length)
            case let .waitingForBody(header, length):
                guard let body = buffer.readSlice(length: length) else { return nil }
                state = .waitingForHeader
                let packet = try MQTTPacket.decode(fixedHeader: header, body: body, version: version ?? .v5, lastTopic: &lastTopic)
                if case .connect(let c) = packet {
                    if version == nil { version = c.protocolVersion }
                }
                return packet
            }
        }
    }

    /// Reads the fixed header without consuming it: (first byte, remaining length, header size).
    static func peekFixedHeader(_ buffer: ByteBuffer) throws(MQTTError) -> (UInt8, Int, Int)? {
        guard let header = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        var value = 0
        var shift = 0
        for i in 1...4 {
            guard let byte = buffer.getInteger(at: buffer.readerIndex + i, as: UInt8.self) else { return nil }
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return (header, value, 1 + i) }
            shift += 7
        }
        throw .malformedRemainingLength
    }
}

/// Encodes ``MQTTPacket`` values for a channel whose protocol version is known.
public struct MQTTEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = MQTTPacket
    public let version: ProtocolVersion
    public init(version: ProtocolVersion) { self.version = version }
    public func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        data.encode(into: &out, version: version)
    }
}
