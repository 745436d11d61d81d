import NIOCore
import NIOWebSocket

/// Carries the MQTT byte stream inside WebSocket binary frames (MQTT 5.0 §6).
///
/// Inbound: the payload of binary and continuation frames goes on as bytes (an MQTT packet may
/// span frames, and a frame may hold several packets: the MQTT decoder after this handler sees a
/// plain stream). Text frames are a protocol error (§6: MQTT uses binary frames only). Pings are
/// answered; a close frame is echoed and the connection closed. Outbound: each buffer becomes one
/// binary frame (servers do not mask).
final class WebSocketMQTTHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .continuation:
            context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            guard !closing else { context.close(promise: nil); return }
            closing = true
            var data = frame.unmaskedData
            let code = data.readSlice(length: 2) ?? context.channel.allocator.buffer(capacity: 0)
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in context.close(promise: nil) }
        default:
            // Text or reserved opcodes: close with 1003 (unsupported data).
            closing = true
            var buffer = context.channel.allocator.buffer(capacity: 2)
            buffer.writeInteger(UInt16(1003))
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer)
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in context.close(promise: nil) }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: buffer)), promise: promise)
    }
}
