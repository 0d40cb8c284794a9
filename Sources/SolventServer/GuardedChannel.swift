import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Hummingbird's HTTP/1 channel with the WebSocket upgrade, and the front end's guards added to
/// each accepted connection: past the connection cap, `ConnectionRefusal` in front; otherwise
/// `RequestGuard` at the end of the pipeline as the base leaves it — behind the HTTP decoder and
/// the upgrade handler, before the handlers Hummingbird adds once it knows the request is not
/// an upgrade — so that it sees parsed request parts and the decoder's errors first.
struct GuardedChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let base: HTTP1WebSocketUpgradeChannel
    let limits: FrontEndLimits
    let connections: ConnectionLimit

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted = connections.admit(channel)
        let (readTimeout, maxBodyBytes) = (TimeAmount(limits.readTimeout), limits.maxBodyBytes)
        // The base's setup completes on the channel's event loop before the channel is active,
        // so the handlers are in place before the first byte is read.
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            if admitted {
                try channel.pipeline.syncOperations.addHandler(
                    RequestGuard(readTimeout: readTimeout, maxBodyBytes: maxBodyBytes))
            } else {
                try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(), position: .first)
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        // Hummingbird logs an error for each connection closed before its first request head
        // ("Error handling upgrade result"): every connection refused or timed out here, so a
        // hostile client could fill the log. This logger serves only the connection's own
        // handling (requests log through the application's), so it keeps to critical messages
        // unless it was set to debug or trace.
        var connectionLogger = logger
        if logger.logLevel > .debug { connectionLogger.logLevel = .critical }
        await base.handle(value: value, logger: connectionLogger)
    }
}
