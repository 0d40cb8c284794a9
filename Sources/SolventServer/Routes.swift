import Foundation
import Hummingbird
import OpenAPIRuntime
import SolventCore
import SolventProofs
import SolventStore

/// The JSON HTTP API. Writes go through the journaled engine and answer once durable;
/// reads answer from the engine's current state.
extension SolventService {
    /// Throws only if the generated operations cannot be registered (a route the document
    /// names twice). With `shardProtocol`, also the routes a venue's gateway sends its shards
    /// (`ShardRoutes.swift`): a protocol between the venue's own processes, outside the public
    /// API's document (docs/sharding.md describes it).
    public func router(shardProtocol: Bool = false) throws -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        let service = self
        // The operations generated from openapi/openapi.json (GeneratedOperations.swift).
        try addGeneratedOperations(to: router)

        router.get("/health") { _, _ in
            // The digest hashes the whole state: computed at most once per sequence, so a probe
            // (or a flood of them) costs a lookup while nothing changes.
            let (sequence, following, leader) = await service.engine.standing()
            var digest = service.healthDigest.withLock { $0 }.flatMap { $0.sequence == sequence ? $0.digest : nil }
            var at = sequence
            if digest == nil {
                let current = await service.engine.read { ($0.lastSequence, $0.digestHex()) }
                service.healthDigest.withLock { $0 = (current.0, current.1) }
                (at, digest) = (current.0, current.1)
            }
            var body: [String: Any] = [
                "status": "ok", "sequence": at, "digest": digest ?? "", "role": following ? "standby" : "leader",
                "epoch": service.leaseEpoch.withLock { $0 },
            ]
            if following && !leader.isEmpty { body["leader"] = leader }
            return JSON.response(body)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: service.metrics.exposition())))
        }
        // The API's contract (openapi/openapi.json, embedded: OpenAPIDocument.swift), public.
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: Self.openAPIDocument)))
        }
        addDashboardRoutes(to: router)

        // Reached only when the WebSocket upgrade was refused: say why.
        router.get("/v1/stream") { request, _ -> Response in
            if request.uri.queryParameters.get("key") != nil { throw APIError.keyInURL }
            throw APIError(
                .unauthorized, "unauthorized",
                "/v1/stream is a WebSocket: send Authorization: Bearer <key>, "
                    + "or ?ticket= from POST /v1/tickets (single use, 30 s)")
        }
        // Fills, decoded by hand for throughput (FillRoutes.swift).
        addFillRoutes(to: router)
        if shardProtocol { addShardRoutes(to: router) }
        // A trader's margin proof: the journal codec's document, passed on byte for byte.
        router.get("/v1/proofs/me") { request, _ in
            let principal = try await service.require(request, [.trader])
            guard let account = principal.account else { throw APIError.forbidden("a trader key names its account") }
            let (engine, commitment) = try await service.latestCommitment()
            guard let proof = engine.proof(of: AccountID(account), commitment: commitment) else {
                throw APIError.notFound("account \(account)")
            }
            return JSON.response(data: try JournalCodec.encoder().encode(proof))
        }
        return router
    }

}

/// Turns any error a handler throws into a JSON 4xx/5xx body: decoding problems name the field,
/// Hummingbird's own errors keep their status.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as ServerError {
            throw APIError(error)
        } catch let error as HTTPError {
            throw APIError(
                error.status, error.status == .notFound ? "notFound" : "badRequest", error.body ?? "\(error.status)")
        } catch {
            throw APIError(.badRequest, "badRequest", "\(error)")
        }
    }
}
