import Foundation
import Hummingbird
import SolventCore

/// What the handlers that read an amount share: a market's settlement scale.
extension SolventService {
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
