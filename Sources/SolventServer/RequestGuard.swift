import Foundation
import NIOCore
import NIOHTTP1

/// Sits right behind NIO's HTTP decoder and answers what the decoder refuses, then closes:
/// a malformed request line or header (`400`: unknown method, a space in the path, an invalid
/// header name, Content-Length together with Transfer-Encoding, binary garbage), headers over
/// the limit (`431`), a body over the limit (`413`), a request that does not arrive in time
/// (`408`: slow-loris headers, a half-sent body).
///
/// Why not NIO's `HTTPServerProtocolErrorHandler`: behind the WebSocket upgrade handler nothing
/// answers a parse error before the first request head (the connection just hangs), NIO's
/// handler leaves closing to others and only says 400, and it would stay in the pipeline after
/// an upgrade, where WebSocket frames would reach it. This one removes itself on an upgrade.
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    struct Refusal {
        var status: HTTPResponseStatus
        var code: String
        var message: String
        /// Requests that may still be owed an answer when this one is sent: 1 if the refused
        /// request is the one being read (its head went on), 0 if it is a new one.
        var owed: Int
    }

    /// How long a refused connection keeps reading (and dropping) what the client still sends
    /// after the reply: closing with unread bytes resets the connection, and a reset can destroy
    /// the reply before the client reads it (a 200 KB header is still arriving at its 8th KB).
    static let linger = TimeAmount.seconds(1)

    private let readTimeout: TimeAmount
    private let maxBodyBytes: Int
    private var deadline: Scheduled<Void>?
    private var bodyBytes = 0
    /// Request heads passed on, and responses completely written.
    private var received = 0, answered = 0
    /// A request head is passed on and its end not yet.
    private var requestOpen = false
    /// A response head is written and its end not yet.
    private var responding = false
    /// Once set, nothing more is read; the reply goes out once the answers owed before it are.
    private var refusal: Refusal?
    private var closing = false

    init(readTimeout: TimeAmount, maxBodyBytes: Int) {
        self.readTimeout = readTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    // The first request's head is due from the moment the connection is accepted.
    func handlerAdded(context: ChannelHandlerContext) { startDeadline(context) }

    func handlerRemoved(context: ChannelHandlerContext) { cancelDeadline() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusal == nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            cancelDeadline()
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
                return refuse(context, .payloadTooLarge, "tooLarge", "the request body exceeds \(maxBodyBytes) bytes")
            }
            received += 1
            requestOpen = true
            bodyBytes = 0
            startDeadline(context)  // its body
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > maxBodyBytes {
                return refuse(context, .payloadTooLarge, "tooLarge", "the request body exceeds \(maxBodyBytes) bytes")
            }
        case .end:
            cancelDeadline()
            requestOpen = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: responding = true
        case .head, .body: break
        case .end:
            responding = false
            answered += 1
            if refusal != nil {
                context.writeAndFlush(data, promise: promise)
                return settle(context)
            }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // After a refusal the decoder reports every further byte as an error: they are dropped.
        guard refusal == nil else { return }
        guard let error = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        // Answered here and not passed on: Hummingbird would try a second answer.
        if error == .headerOverflow {
            refuse(
                context, .requestHeaderFieldsTooLarge, "headersTooLarge",
                "the request line and headers exceed the limit")
        } else {
            refuse(context, .badRequest, "malformedRequest", "malformed HTTP request (\(error))")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if refusal != nil, let event = event as? ChannelEvent, event == .inputClosed {
            return close(context)  // the client has read the reply and gone
        }
        context.fireUserInboundEventTriggered(event)
        // Upgraded to a WebSocket: the bytes from now on are frames, not HTTP.
        if event is HTTPServerUpgradeEvents {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func refuse(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ code: String, _ message: String
    ) {
        guard refusal == nil else { return }
        cancelDeadline()
        refusal = Refusal(status: status, code: code, message: message, owed: requestOpen ? 1 : 0)
        settle(context)
    }

    /// A request has one answer, in order: the refusal's reply waits for the responses owed to
    /// the requests before it; if the refused request itself was already answered (the route
    /// did not need the rest of its body), the connection just closes.
    private func settle(_ context: ChannelHandlerContext) {
        guard let refusal, !closing, !responding else { return }
        let awaiting = received - answered
        guard awaiting <= refusal.owed else { return }
        guard awaiting == refusal.owed else { return close(context) }
        closing = true
        let body = JSON.data(["error": refusal.code, "message": refusal.message])
        let headers = HTTPHeaders([
            ("content-type", "application/json"), ("content-length", "\(body.count)"), ("connection", "close"),
        ])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [self] _ in
            // Half-close, keep dropping what still arrives, close for good after the linger.
            context.close(mode: .output, promise: nil)
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) { context.close(promise: nil) }
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        closing = true
        cancelDeadline()
        context.close(promise: nil)
    }

    private func startDeadline(_ context: ChannelHandlerContext) {
        cancelDeadline()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: readTimeout) { [self] in
            deadline = nil
            refuse(
                context, .requestTimeout, "requestTimeout",
                "the request did not arrive within \(readTimeout.nanoseconds / 1_000_000) ms")
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}
