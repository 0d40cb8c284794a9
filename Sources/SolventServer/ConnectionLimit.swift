import NIOCore
import Synchronization

/// Counts the open connections. Past the cap a new connection is told `503` and closed at once,
/// so the connections already accepted keep the service to themselves. (Hummingbird's
/// `MaximumAvailableConnections` stops accepting instead: the kernel's queue then fills and new
/// clients hang in `connect` rather than hear that the service is busy.)
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)

    init(maximum: Int) { self.maximum = maximum }

    var count: Int { open.load(ordering: .relaxed) }

    /// Counts `channel` until it closes; false when it is one too many.
    func admit(_ channel: any Channel) -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        channel.closeFuture.whenComplete { _ in self.open.wrappingSubtract(1, ordering: .relaxed) }
        return count <= maximum
    }
}

/// First in a refused connection's pipeline: answers `503` with a JSON body (written directly:
/// the HTTP handlers behind it never see a byte) and closes.
final class ConnectionRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let reply: ByteBuffer = {
        let body = JSON.data([
            "error": "tooManyConnections", "message": "the service has too many open connections; retry later",
        ])
        let head =
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: \(body.count)\r\n"
            + "retry-after: 1\r\nconnection: close\r\n\r\n"
        return ByteBuffer(bytes: Array(head.utf8) + body)
    }()

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(Self.reply)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Whatever the client sends is dropped.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
