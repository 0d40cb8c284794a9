import Foundation
import Hummingbird
import SolventCore

/// Option markets and the volatility smiles that mark them (European, cash-settled; the mark is
/// the engine's Black-76 on the underlying's mark with the smile's volatility at the strike).
extension SolventService {
    static let optionMarketFields: Set<String> = [
        "id", "symbol", "settleAsset", "underlying", "right", "strike", "premium", "expirySeconds", "contractSize",
        "tickSize",
        "lotSize", "tiers", "priceMaxAgeSeconds", "settlementWindowSeconds", "standardMarginBase",
        "standardMarginFloor",
        "standardMarginMaintenance",
    ]

    func addOptionRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        // A market with `OptionTerms` (`MarketSpec.option`): always linear (valued at the premium)
        // and dated. The engine checks the underlying (known, not an option, not expiring first).
        router.post("/v1/option-markets") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(request, allowed: Self.optionMarketFields)
            let settle = AssetID(try body.id("settleAsset", as: UInt32.self))
            guard let scale = await service.engine.read({ $0.asset(settle)?.spec.scale }) else {
                throw APIError.invalid("settleAsset", "unknown asset")
            }
            let defaults = OptionTerms.StandardMarginRates()
            let terms = OptionTerms(
                right: try body.choice("right"), strike: try body.price("strike"),
                underlying: MarketID(try body.id("underlying", as: UInt32.self)),
                premium: try body.choice("premium", default: .quote),
                standardMargin: .init(
                    base: try body.rate("standardMarginBase", orDefault: defaults.base),
                    floor: try body.rate("standardMarginFloor", orDefault: defaults.floor),
                    maintenance: try body.rate("standardMarginMaintenance", orDefault: defaults.maintenance)))
            let spec = MarketSpec(
                id: MarketID(try body.id("id", as: UInt32.self)), symbol: try body.string("symbol"), kind: .linear,
                expiry: Timestamp(nanoseconds: try body.int("expirySeconds", in: 1...4_102_444_800) * 1_000_000_000),
                settleAsset: settle, contractSize: try body.quantity("contractSize"),
                tickSize: try body.price("tickSize"),
                lotSize: try body.quantity("lotSize"), option: terms)
            let parameters = RiskParameters(
                margin: .tiered(try body.tierTable(scale: scale)),
                priceMaxAgeSeconds: try body.int("priceMaxAgeSeconds", default: 60, in: 1...31_536_000),
                settlementWindowSeconds: try body.int("settlementWindowSeconds", default: 1_800, in: 0...604_800))
            return try await service.submit(.createMarket(spec, parameters))
        }
        // The oracle publishes smiles: they are market data fitted to option prices (as marks are
        // fitted to trades), they re-mark every option of that expiry and so can start margin
        // calls, and the key that feeds prices is the one that runs next to the fitter. An admin
        // key cannot: a rules key must not be able to move marks (as with `POST /v1/prices`).
        router.post("/v1/volatility-smiles") { request, _ in
            _ = try await service.require(request, [.oracle])
            let body = try await RequestBody.read(
                request, allowed: ["underlying", "expirySeconds", "strikes", "volatilities"])
            let smile = VolatilitySmile(
                expiry: Timestamp(nanoseconds: try body.int("expirySeconds", in: 1...4_102_444_800) * 1_000_000_000),
                strikes: try body.prices("strikes", max: Limits.smilePoints),
                volatilities: try body.rates("volatilities", max: Limits.smilePoints))
            return try await service.submit(
                .setVolatilitySmile(underlying: MarketID(try body.id("underlying", as: UInt32.self)), smile))
        }
    }
}

extension RequestBody {
    /// An array of decimal prices (strings or numbers), 1 to `max` of them; an error names the element.
    func prices(_ key: String, max: Int) throws -> [Price] {
        try elements(key, max: max) { body, field in try body.price(field) }
    }
}
