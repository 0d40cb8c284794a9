import Foundation
import Hummingbird
import SolventCore

/// The engine commands and queries that the core routes (`Routes.swift`) and the generated
/// operations (`GeneratedOperations*.swift`) do not cover: fills (`FillRoutes.swift`, decoded by
/// hand for throughput) and the read side (`AssetRoutes.swift`, `EngineQueryRoutes.swift`).
/// As everywhere, a handler only translates: the engine validates and computes.
extension SolventService {
    func addEngineRoutes(to router: Router<BasicRequestContext>) {
        addFillRoutes(to: router)
        addAssetRoutes(to: router)
        addEngineQueryRoutes(to: router)
    }

    /// The scale of a market's settlement asset (its amounts' decimals); 400 naming `field` when
    /// the market is unknown (an amount cannot be read without it).
    func settleScale(_ market: MarketID, field: String) async throws -> Int {
        guard let scale = await knownSettleScale(market) else {
            throw APIError.invalid(field, "unknown market \(market)")
        }
        return scale
    }

    private func knownSettleScale(_ market: MarketID) async -> Int? {
        await engine.read { engine in engine.market(market).flatMap { engine.asset($0.spec.settleAsset)?.spec.scale } }
    }

    /// The same for the market a path names: 404 when it is unknown.
    func settleScale(ofPathMarket market: MarketID) async throws -> Int {
        guard let scale = await knownSettleScale(market) else { throw APIError.notFound("market \(market.rawValue)") }
        return scale
    }
}
