public import NIOCore
import NIOPosix

/// A real UDP socket on 127.0.0.1 playing the gateway in tests.
public final class UDPTestClient {
    public let channel: any Channel
    public let received: AsyncStream<[UInt8]>

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let continuation: AsyncStream<[UInt8]>.Continuation
        init(_ c: AsyncStream<[UInt8]>.Continuation) { continuation = c }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let env = unwrapInboundIn(data)
            continuation.yield(env.data.getBytes(at: env.data.readerIndex, length: env.data.readableBytes) ?? [])
        }
    }

    public init() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        received = stream
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collector(continuation)) } }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    public func send(_ bytes: [UInt8], to address: SocketAddress) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer))
    }

    /// The next datagram, or nil when none arrives within `seconds` (a safety net against hangs,
    /// not a timing assertion).
    public func next(within seconds: Int64 = 5) async -> [UInt8]? {
        await nextElement(received, within: seconds)
    }

    public func close() async { try? await channel.close() }
}

/// Takes the next element of a stream with a safety timeout.
public func nextElement<T: Sendable>(_ stream: AsyncStream<T>, within seconds: Int64 = 5) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask {
            var it = stream.makeAsyncIterator()
            return await it.next()
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
