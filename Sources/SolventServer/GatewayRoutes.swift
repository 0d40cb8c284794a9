import Foundation
import Hummingbird
import Logging
import SolventCore
import SolventStore

/// The gateway's HTTP API: venue commands in, each routed by the venue's coordinator; the
/// venue's digest; where an account lives. Every route but `/health` needs the gateway's key.
extension VenueGateway {
    /// Commands in one `POST /v1/venue/commands`.
    public static let commandLimit = 1_000

    struct CommandsRequest: Decodable { var commands: [Command] }
    struct ShardOutcome: Encodable {
        var shard: Int
        var outcome: Outcome
    }
    struct CommandResult: Encodable {
        var time: Int64
        var rejection: Rejection?
        var outcomes: [ShardOutcome]
    }
    struct CommandsReply: Encodable {
        var results: [CommandResult]
    }
    struct ShardView: Encodable {
        var shard: UInt32
        var lastSequence: UInt64
        var digest: String
        var holdsLiquidation: Bool
    }
    struct VenueView: Encodable {
        var digest: String
        var shards: [ShardView]
    }
    struct AccountView: Encodable {
        var account: UInt64
        var shard: Int
        var exists: Bool
        var digest: String?
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        let gateway = self
        router.get("/health") { _, _ in
            var body: [String: Any] = [
                "status": gateway.failure == nil ? "ok" : "stopped", "shards": gateway.shardCount,
            ]
            if let failure = gateway.failure { body["failure"] = failure.description }
            return JSON.response(body, status: gateway.failure == nil ? .ok : .serviceUnavailable)
        }
        router.post("/v1/venue/commands") { request, _ in
            try gateway.authorize(request)
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: 4 << 20) } catch {
                throw APIError(.contentTooLarge, "tooLarge", "the request body exceeds 4 MiB")
            }
            let body: CommandsRequest
            do { body = try JournalCodec.decoder().decode(CommandsRequest.self, from: Data(buffer: buffer)) } catch {
                throw APIError.invalid(
                    "commands", "expected {\"commands\": [command, ...]} in the journal's form: \(error)")
            }
            guard (1...Self.commandLimit).contains(body.commands.count) else {
                throw APIError.invalid(
                    "commands", "expected 1 to \(Self.commandLimit) commands, got \(body.commands.count)")
            }
            if let failure = gateway.failure { throw Self.stopped(failure) }
            let (results, failure) = await gateway.execute(body.commands)
            // Nothing is acknowledged unless every shard made it durable.
            if let failure { throw Self.stopped(failure) }
            let reply = CommandsReply(
                results: results.map { result in
                    CommandResult(
                        time: result.time, rejection: result.outcomes.rejection,
                        outcomes: result.outcomes.outcomes.map { ShardOutcome(shard: $0.shard, outcome: $0.outcome) })
                })
            return JSON.response(data: try JournalCodec.compact(reply))
        }
        router.get("/v1/venue") { request, _ in
            try gateway.authorize(request)
            let (digest, states): (String, [ShardProtocol.State])
            do { (digest, states) = try await gateway.digest() } catch { throw Self.stopped(error) }
            let view = VenueView(
                digest: digest,
                shards: states.map {
                    ShardView(
                        shard: $0.shard, lastSequence: $0.lastSequence, digest: $0.digest,
                        holdsLiquidation: $0.holdsLiquidation)
                })
            return JSON.response(data: try JournalCodec.compact(view))
        }
        router.get("/v1/venue/accounts/:id") { request, context in
            try gateway.authorize(request)
            let id = AccountID(try SolventService.pathID(context, "id", maximum: .max))
            let view: AccountView
            do {
                view = try await gateway.read { coordinator throws(VenueFailure) in
                    let shard = coordinator.map.shard(of: id)
                    let state = try coordinator.links[shard].account(id)
                    return AccountView(account: id.rawValue, shard: shard, exists: state.exists, digest: state.digest)
                }
            } catch { throw Self.stopped(error) }
            return JSON.response(data: try JournalCodec.compact(view))
        }
        return router
    }

    func authorize(_ request: Request) throws {
        guard let key = SolventService.headerKey(request.headers) else { throw APIError.unauthorized }
        guard accepts(key: key) else { throw APIError(.unauthorized, "unauthorized", "unknown key") }
    }

    static func stopped(_ failure: any Error) -> APIError {
        APIError(.serviceUnavailable, "venueFailed", "the gateway has stopped taking commands: \(failure)")
    }

    /// The gateway's HTTP application on `host:port`; `onRunning` gets the bound port.
    public func application(
        host: String, port: Int, logger: Logger? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "solvent.gateway")
        if logger == nil { log.logLevel = .warning }
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "solvent-gateway"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: log)
    }
}
