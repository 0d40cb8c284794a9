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
    /// names twice).
    public func router() throws -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        let service = self
        // The operations generated from openapi/openapi.json (GeneratedOperations.swift).
        try addGeneratedOperations(to: router)

        router.get("/health") { _, _ in
            // The digest hashes the whole state: computed at most once per sequence, so a probe
            // (or a flood of them) costs a lookup while nothing changes.
            let sequence = await service.engine.read { $0.lastSequence }
            let digest: String
            if let cached = service.healthDigest.withLock({ $0 }), cached.sequence == sequence {
                digest = cached.digest
            } else {
                let current = await service.engine.read { ($0.lastSequence, $0.digestHex()) }
                service.healthDigest.withLock { $0 = (current.0, current.1) }
                return JSON.response(["status": "ok", "sequence": current.0, "digest": current.1])
            }
            return JSON.response(["status": "ok", "sequence": sequence, "digest": digest])
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

        // Administration (keys: KeyRoutes.swift).
        addKeyRoutes(to: router)
        // Reads.
        router.get("/v1/markets") { request, _ in
            _ = try await service.require(request, Set(Role.allCases))
            return JSON.response(data: await service.engine.read { JSON.data(StateView.markets($0)) })
        }
        router.get("/v1/accounts/:account") { request, context in
            let principal = try await service.require(request, Set(Role.allCases))
            let account = try context.parameters.require("account", as: UInt64.self)
            try service.requireAccount(principal, account)
            guard let view = await service.engine.read({ StateView.account($0, AccountID(account)).map(JSON.data) })
            else { throw APIError.notFound("account \(account)") }
            return JSON.response(data: view)
        }
        router.get("/v1/insurance-fund") { request, _ in
            _ = try await service.require(request, Set(Role.allCases))
            return JSON.response(data: await service.engine.read { JSON.data(StateView.funds($0)) })
        }
        router.get("/v1/liquidations") { request, _ in
            let principal = try await service.require(request, Set(Role.allCases))
            var limit = 100
            if let text = request.uri.queryParameters.get("limit") {
                guard let value = Int(text), (1...1_000).contains(value) else {
                    throw APIError.invalid("limit", "expected an integer from 1 to 1000, got \(text.prefix(40))")
                }
                limit = value
            }
            let events = service.hub.history(
                types: ["positionLiquidated"], account: principal.role == .trader ? principal.account : nil,
                limit: limit)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "[" + events.map(\.json).joined(separator: ",") + "]")))
        }
        router.get("/v1/adl-ranks") { request, _ in
            let principal = try await service.require(request, [.admin, .readonly, .liquidator])
            _ = principal
            guard let market = request.uri.queryParameters.get("market").flatMap(UInt32.init) else {
                throw APIError.invalid("market", "expected a market id")
            }
            let side = request.uri.queryParameters.get("side") ?? "long"
            guard side == "long" || side == "short" else { throw APIError.invalid("side", "expected long or short") }
            let ranks = await service.engine.read { engine in
                engine.market(MarketID(market)) == nil
                    ? nil
                    : engine.rankedDeleveraging(
                        market: MarketID(market), long: side == "long", ranking: .profitTimesLeverage
                    ).prefix(100).map(\.rawValue)
            }
            guard let ranks else { throw APIError.notFound("market \(market)") }
            return JSON.response([
                "market": Int(market), "side": side, "ranking": "profitTimesLeverage", "accounts": Array(ranks),
            ])
        }
        addEngineRoutes(to: router)
        // Verifiable margin.
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
