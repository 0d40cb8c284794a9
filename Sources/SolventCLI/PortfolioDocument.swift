/// The portfolio file's JSON, as decoded (schema in docs/margin.md); `PortfolioFile` turns it
/// into engine commands. Every field is optional here so that a missing one is refused with what
/// to give instead, naming its path.
extension PortfolioFile {
    struct Document: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case assets, markets, account }
        var assets: [Located<Asset>]?
        var markets: [Located<Market>]?
        var account: Located<Account>?
    }

    struct Asset: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case symbol, scale, indexPrice, collateralTiers, priceMaxAgeSeconds
        }
        var symbol: Located<String>?
        var scale: NumberField?
        var indexPrice: NumberField?
        var collateralTiers: [Located<CollateralTierEntry>]?
        var priceMaxAgeSeconds: NumberField?
    }

    struct CollateralTierEntry: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case quantityCap, ratio }
        var quantityCap: NumberField?
        var ratio: NumberField?
    }

    struct Market: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case preset, symbol, kind, settleAsset, contractSize, tickSize, lotSize, expiry, margin, markPrice
            case indexPrice, marginCallRatio, feeMakerRate, feeTakerRate
        }
        var preset: Located<String>?
        var symbol: Located<String>?
        var kind: Located<String>?
        var settleAsset: Located<String>?
        var contractSize: NumberField?
        var tickSize: NumberField?
        var lotSize: NumberField?
        var expiry: Located<String>?
        var margin: Located<Schedule>?
        var markPrice: NumberField?
        var indexPrice: NumberField?
        var marginCallRatio: NumberField?
        var feeMakerRate: NumberField?
        var feeTakerRate: NumberField?
    }

    /// `{"tiers": [...], "deductMaintenanceAmount": true}` or `{"sizeScaled": {...}}`.
    struct Schedule: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case tiers, deductMaintenanceAmount, sizeScaled }
        var tiers: [Located<Tier>]?
        var deductMaintenanceAmount: Bool?
        var sizeScaled: Located<SizeScaled>?
    }

    struct Tier: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case notionalCap, initialRate, maintenanceRate }
        var notionalCap: NumberField?
        var initialRate: NumberField?
        var maintenanceRate: NumberField?
    }

    struct SizeScaled: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case initialBase, maintenanceBase, ratePerContract }
        var initialBase: NumberField?
        var maintenanceBase: NumberField?
        var ratePerContract: NumberField?
    }

    struct Account: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case collateral, positions }
        /// Keyed by asset symbol; the keys are checked against the declared assets.
        var collateral: Located<[String: NumberField]>?
        var positions: [Located<Position>]?
    }

    struct Position: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case symbol, size, entryPrice, marginMode, isolatedMargin, leverage
        }
        var symbol: Located<String>?
        var size: NumberField?
        var entryPrice: NumberField?
        var marginMode: Located<String>?
        var isolatedMargin: NumberField?
        var leverage: NumberField?
    }
}
