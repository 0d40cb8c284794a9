import Foundation
import Hummingbird
import NIOCore

/// The request context of `solvent serve`: Hummingbird's basic one plus the connection's peer
/// address, which the rate limit needs and `BasicRequestContext` does not keep.
struct ClientRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The client's IP address (nil for a Unix socket).
    var address: String? { channel.remoteAddress?.ipAddress }

    /// The context the router's routes take.
    var basic: BasicRequestContext {
        BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
    }
}

/// Per-address and per-key token buckets in front of the router: a request over either gets
/// `429` with `Retry-After` (whole seconds) and a JSON error, before any route, key lookup or
/// store access. The key is read from the request as authentication reads it (`Authorization:
/// Bearer`, `X-API-Key`, `?key=`) but not checked: a bad key spends its address's tokens, and
/// its own bucket like any other.
struct RateLimitedResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == BasicRequestContext {
    let base: Base
    let perAddress: RateLimiter?
    let perKey: RateLimiter?

    init(base: Base, limits: FrontEndLimits) {
        self.base = base
        perAddress = limits.addressRate > 0 ? RateLimiter(rate: limits.addressRate, burst: limits.addressBurst) : nil
        perKey = limits.keyRate > 0 ? RateLimiter(rate: limits.keyRate, burst: limits.keyBurst) : nil
    }

    func respond(to request: Request, context: ClientRequestContext) async throws -> Response {
        if let perAddress, let address = context.address, let wait = perAddress.take(address) {
            return Self.tooMany("this address", wait: wait)
        }
        if let perKey, let key = Self.key(request), let wait = perKey.take(key) {
            return Self.tooMany("this key", wait: wait)
        }
        return try await base.respond(to: request, context: context.basic)
    }

    /// The presented key, if any, of at most 128 bytes (longer ones are refused by authentication).
    static func key(_ request: Request) -> String? {
        var key = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        if key == nil { key = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value }
        if key == nil { key = request.uri.queryParameters.get("key") }
        guard let key, !key.isEmpty, key.utf8.count <= 128 else { return nil }
        return key
    }

    static func tooMany(_ who: String, wait: Double) -> Response {
        let seconds = max(1, Int(wait.rounded(.up)))
        var response = JSON.response(
            [
                "error": "rateLimited", "message": "too many requests from \(who); retry after \(seconds) s",
                "retryAfterSeconds": seconds,
            ], status: .tooManyRequests)
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }
}
