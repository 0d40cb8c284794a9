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
        router.post("/v1/assets") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(
                request, allowed: ["id", "symbol", "scale", "priceMaxAgeSeconds", "collateralTiers"])
            var tiers: [CollateralTier] = []
            if body.has("collateralTiers") {
                for (index, tier) in try body.objects("collateralTiers", max: 16, allowed: ["cap", "ratio"])
                    .enumerated()
                {
                    do {
                        tiers.append(
                            CollateralTier(
                                quantityCap: tier.has("cap")
                                    ? Amount(
                                        atoms: try tier.decimal("cap", scale: Int(try body.int("scale", in: 0...12))))
                                    : nil,
                                ratio: try tier.rate("ratio")))
                    } catch let error as APIError {
                        throw APIError.invalid("collateralTiers[\(index)].\(error.field ?? "")", error.message)
                    }
                }
            }
            let spec = AssetSpec(
                id: AssetID(try body.id("id", as: UInt32.self)), symbol: try body.string("symbol"),
                scale: Int(try body.int("scale", in: 0...12)), collateralTiers: tiers,
                priceMaxAgeSeconds: try body.int("priceMaxAgeSeconds", default: 60, in: 1...31_536_000))
            return try await service.submit(.createAsset(spec))
        }
        router.post("/v1/markets") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "id", "symbol", "kind", "settleAsset", "contractSize", "tickSize", "lotSize",
                    "tiers", "fundingIntervalSeconds", "priceMaxAgeSeconds", "expirySeconds",
                    "settlementWindowSeconds",
                ])
            let settle = AssetID(try body.id("settleAsset", as: UInt32.self))
            let scale = await service.engine.read { $0.asset(settle)?.spec.scale }
            guard let scale else { throw APIError.invalid("settleAsset", "unknown asset") }
            let table = try body.tierTable(scale: scale)
            let kind: InstrumentKind = try body.choice("kind", default: .linear)
            // A dated future: its expiry in Unix seconds (absent: a perpetual).
            let expiry =
                body.has("expirySeconds")
                ? Timestamp(nanoseconds: try body.int("expirySeconds", in: 1...4_102_444_800) * 1_000_000_000) : nil
            let spec = MarketSpec(
                id: MarketID(try body.id("id", as: UInt32.self)), symbol: try body.string("symbol"), kind: kind,
                expiry: expiry,
                settleAsset: settle, contractSize: try body.quantity("contractSize"),
                tickSize: try body.price("tickSize"),
                lotSize: try body.quantity("lotSize"))
            let parameters = RiskParameters(
                margin: .tiered(table),
                fundingIntervalSeconds: try body.int("fundingIntervalSeconds", default: 8 * 3_600, in: 0...86_400 * 7),
                priceMaxAgeSeconds: try body.int("priceMaxAgeSeconds", default: 60, in: 1...31_536_000),
                settlementWindowSeconds: try body.int("settlementWindowSeconds", default: 1_800, in: 0...604_800))
            return try await service.submit(.createMarket(spec, parameters))
        }
        router.put("/v1/markets/:market/risk") { request, context in
            _ = try await service.require(request, [.admin])
            let market = try context.parameters.require("market", as: UInt32.self)
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "tiers", "feeMakerRate", "feeTakerRate", "fundingIntervalSeconds", "settlementWindowSeconds",
                    "priceMaxAgeSeconds", "marginCallRatio", "liquidationExitBuffer",
                ])
            let scale = await service.engine.read { engine in
                engine.market(MarketID(market)).flatMap { engine.asset($0.spec.settleAsset)?.spec.scale }
            }
            guard let scale else { throw APIError.notFound("market \(market)") }
            let table = try body.tierTable(scale: scale)
            var parameters = RiskParameters(
                margin: .tiered(table), feeMakerRate: try body.rate("feeMakerRate", default: "0"),
                feeTakerRate: try body.rate("feeTakerRate", default: "0"),
                fundingIntervalSeconds: try body.int("fundingIntervalSeconds", default: 8 * 3_600, in: 0...86_400 * 7),
                priceMaxAgeSeconds: try body.int("priceMaxAgeSeconds", default: 60, in: 1...31_536_000),
                marginCallRatio: try body.rate("marginCallRatio", default: "0.8"),
                liquidationExitBuffer: try body.rate("liquidationExitBuffer", default: "0.1"))
            // The settlement window stays as it is unless the body sets it: changing fees must not
            // turn one on (or off) by default.
            if body.has("settlementWindowSeconds") {
                parameters.settlementWindow = try body.int("settlementWindowSeconds", in: 0...604_800) * 1_000_000_000
            } else {
                parameters.settlementWindow = await service.engine.read {
                    $0.market(MarketID(market))?.parameters.settlementWindow
                }
            }
            return try await service.submit(.setRiskParameters(market: MarketID(market), parameters))
        }
        router.put("/v1/markets/:market/liquidation") { request, context in
            _ = try await service.require(request, [.admin])
            let market = try context.parameters.require("market", as: UInt32.self)
            let body = try await RequestBody.read(
                request,
                allowed: Set([
                    "mechanism", "lossAllocation", "penaltyRate", "clearanceFeeRate", "stepFraction",
                    "targetBuffer", "dustNotional", "depthNotional", "depthCoefficient", "backstopPriceShare",
                    "auctionBuffer", "auctionCurve", "auctionDurationSeconds", "auctionCut", "auctionStepSeconds",
                    "auctionTailSeconds", "auctionCusp", "auctionTipFlat", "auctionChip", "auctionDust",
                ])
                .union(Self.liquidationIncentiveFields))
            let settleScale = await service.engine.read { engine in
                engine.market(MarketID(market)).flatMap { engine.asset($0.spec.settleAsset)?.spec.scale }
            }
            guard let settleScale else { throw APIError.notFound("market \(market)") }
            let mechanism: LiquidationParameters.Mechanism
            switch try body.string("mechanism", default: "orderbook") {
            case "orderbook": mechanism = .orderBook
            case "backstop": mechanism = .backstop(priceShare: try body.rate("backstopPriceShare", default: "0.5"))
            case "auction": mechanism = .auction(try Self.auctionRules(body, settleScale: settleScale))
            default: throw APIError.invalid("mechanism", "expected orderbook, backstop or auction")
            }
            let allocation = try Self.lossAllocation(body)  // with the ADL ranking (WaterfallRoutes.swift)
            var parameters = LiquidationParameters(
                depth: .squareRoot(
                    depth: try body.has("depthNotional")
                        ? body.decimal("depthNotional", scale: settleScale) : 1_000_000_000_000_000,
                    coefficient: try body.rate("depthCoefficient", default: "0.01")),
                penaltyRate: try body.rate("penaltyRate", default: "0.005"),
                clearanceFeeRate: try body.rate("clearanceFeeRate", default: "0.001"),
                target: .maintenancePlusBuffer(try body.rate("targetBuffer", default: "0.1")),
                stepFraction: try body.rate("stepFraction", default: "0.5"),
                dustNotional: try body.has("dustNotional") ? body.decimal("dustNotional", scale: settleScale) : 0,
                lossAllocation: allocation, mechanism: mechanism)
            try Self.readIncentives(body, settleScale: settleScale, into: &parameters)
            return try await service.submit(.configureLiquidation(market: MarketID(market), parameters))
        }
        router.put("/v1/markets/:market/oracle") { request, context in
            _ = try await service.require(request, [.admin])
            let market = try context.parameters.require("market", as: UInt32.self)
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "sources", "minimumSources", "sampleMaxAgeSeconds", "band", "markBand",
                    "priceMoveThreshold", "priceMoveWindowSeconds", "priceMoveCoolDownSeconds",
                ])
            let sources = try body.oracleSources()
            let config = OracleConfig(
                sources: sources, sampleMaxAgeSeconds: try body.int("sampleMaxAgeSeconds", default: 60, in: 1...86_400),
                band: try body.rate("band", default: "0.05"),
                minimumSources: Int(
                    try body.int("minimumSources", default: Int64(min(2, sources.count)), in: 1...Int64(sources.count))),
                markBand: try body.rate("markBand", default: "0.03"),
                priceMoveThreshold: try body.rate("priceMoveThreshold", default: "0.1"),
                priceMoveWindowSeconds: try body.int("priceMoveWindowSeconds", default: 300, in: 1...86_400),
                priceMoveCoolDownSeconds: try body.int("priceMoveCoolDownSeconds", default: 300, in: 0...86_400))
            return try await service.submit(.configureOracle(market: MarketID(market), config))
        }
        router.post("/v1/oracle-samples") { request, _ in
            _ = try await service.require(request, [.oracle])
            let body = try await RequestBody.read(request, allowed: ["market", "samples", "last", "mid"])
            let samples = try body.oracleSamples(now: await service.engine.read { $0.now })
            return try await service.submit(
                .updateOracle(
                    market: MarketID(try body.id("market", as: UInt32.self)), samples: samples,
                    last: body.has("last") ? try body.price("last") : nil,
                    mid: body.has("mid") ? try body.price("mid") : nil))
        }
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
        addRiskModelRoutes(to: router)
        router.post("/v1/commitments") { request, _ in
            _ = try await service.require(request, [.admin])
            let (_, commitment) = try await service.engine.publishCommitment()
            return Self.rootResponse(commitment.root)
        }
        router.get("/v1/commitments/latest") { request, _ in
            _ = try await service.require(request, Set(Role.allCases))
            let (_, commitment) = try await service.latestCommitment()
            return Self.rootResponse(commitment.root)
        }
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

    /// A published root as the API shows it.
    static func rootResponse(_ root: AccountCommitment.Root) -> Response {
        JSON.response([
            "sequence": root.sequence, "stateDigest": root.stateDigest, "root": root.hash,
            "assets": root.assets.map(Int.init),
            "sums": root.sums, "leaves": root.leaves,
        ])
    }

    /// A Dutch auction's rules from a liquidation body (Maker's Clipper defaults: start 5 % above
    /// the mark, a stair-step curve cutting 1 % every 10 s, reset after 30 min or below 40 %).
    static func auctionRules(_ body: RequestBody, settleScale: Int) throws -> DutchAuctionRules {
        let curve: AuctionCurve
        switch try body.string("auctionCurve", default: "stairstep") {
        case "linear":
            curve = .linear(
                duration: try body.int("auctionDurationSeconds", default: 600, in: 1...86_400 * 30) * 1_000_000_000)
        case "stairstep":
            curve = .stairstepExponential(
                cut: try body.rate("auctionCut", default: "0.99"),
                step: try body.int("auctionStepSeconds", default: 10, in: 1...86_400) * 1_000_000_000)
        case "exponential": curve = .exponential(cutPerSecond: try body.rate("auctionCut", default: "0.999"))
        default: throw APIError.invalid("auctionCurve", "expected linear, stairstep or exponential")
        }
        return DutchAuctionRules(
            buffer: try body.rate("auctionBuffer", default: "1.05"), curve: curve,
            tailSeconds: try body.int("auctionTailSeconds", default: 1_800, in: 1...86_400 * 30),
            cusp: try body.rate("auctionCusp", default: "0.4"),
            tipFlat: try body.has("auctionTipFlat") ? body.decimal("auctionTipFlat", scale: settleScale) : 0,
            chip: try body.rate("auctionChip", default: "0.001"),
            dust: try body.has("auctionDust") ? body.decimal("auctionDust", scale: settleScale) : 0)
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
