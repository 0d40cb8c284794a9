/// What the HTTP front end allows one client, so that no client — slow, malformed or flooding —
/// can take the service away from the others. `solvent serve` exposes each as an option.
///
/// Where each is enforced:
/// - `readTimeout`, `maxBodyBytes`, malformed requests: `RequestGuard`, a channel handler
///   behind NIO's HTTP decoder;
/// - `idleTimeout`: Hummingbird's own connection state handler (`HTTP1Channel.Configuration`);
/// - `maxHeaderBytes`: NIO's HTTP decoder limits (a request over it gets `431`);
/// - `maxConnections`: `ConnectionLimit`, counted as connections are accepted;
/// - the rate limits: `RateLimitedResponder`, before routing (no store access).
public struct FrontEndLimits: Sendable, Equatable {
    /// A new connection must send a complete request head within this long, and once a request
    /// head is in, its whole body must arrive within this long; otherwise the connection is
    /// closed (slow-loris headers, half-sent bodies).
    public var readTimeout: Duration = .seconds(10)
    /// A connection with no request in progress (between requests, or a request that stopped
    /// sending) is closed after this long.
    public var idleTimeout: Duration = .seconds(30)
    /// The request line and headers together, and any one of them, at most this many bytes.
    public var maxHeaderBytes = 16 * 1024
    /// At most this many header fields.
    public var maxHeaderCount = 100
    /// A request body at most this many bytes (the routes themselves read at most 64 KiB).
    public var maxBodyBytes = 64 * 1024
    /// Connections open at once; beyond it a new connection gets `503` and is closed at once.
    public var maxConnections = 512
    /// Requests per second per API key (token bucket), 0: unlimited.
    public var keyRate = 1_000.0
    /// The key's bucket: how many requests it may send at once.
    public var keyBurst = 2_000
    /// Requests per second per client address (token bucket), 0: unlimited.
    public var addressRate = 2_000.0
    /// The address's bucket.
    public var addressBurst = 4_000

    public init() {}
}
