import Foundation
import Hummingbird
import SolventCore

/// The engine commands and queries that the core routes (`Routes.swift`) and the generated
/// operations (`GeneratedOperations.swift`) do not cover: fills (`FillRoutes.swift`), options
/// (`OptionRoutes.swift`), the margin models' rules (`MarginRulesRoutes.swift`), the loss
/// waterfall's administration (`WaterfallRoutes.swift`) and the read side
/// (`EngineQueryRoutes.swift`) in their own files.
/// As everywhere, a handler only translates: the engine validates and computes.
extension SolventService {
    func addEngineRoutes(to router: Router<BasicRequestContext>) {
        addFillRoutes(to: router)
        addOptionRoutes(to: router)
        addMarginRulesRoutes(to: router)
        addWaterfallRoutes(to: router)
        addCollateralOracleRoutes(to: router)
        addEngineQueryRoutes(to: router)
    }

    /// The scale of a market's settlement asset (its amounts' decimals); 400 naming `field` when
    /// the market is unknown (an amount cannot be read without it).
    func settleScale(_ market: MarketID, field: String) async throws -> Int {
        let scale = await engine.read { engine in
            engine.market(market).flatMap { engine.asset($0.spec.settleAsset)?.spec.scale }
        }
        guard let scale else { throw APIError.invalid(field, "unknown market \(market)") }
        return scale
    }
}

extension RequestBody {
    /// A JSON boolean (not a string, not a number: `"false"` must not read as true).
    func bool(_ key: String, default value: Bool? = nil) throws -> Bool {
        if !has(key), let value { return value }
        guard let number = object[key] as? NSNumber, String(cString: number.objCType) == "c" else {
            throw APIError.invalid(key, "expected true or false")
        }
        return number.boolValue
    }

    /// The rate under `key`, or the engine's own default `value` when absent.
    func rate(_ key: String, orDefault value: Rate) throws -> Rate { has(key) ? try rate(key) : value }

    /// The amount under `key` in atoms of an asset with `scale` decimals, or `value` when absent.
    func decimal(_ key: String, scale: Int, default value: Int64) throws -> Int64 {
        has(key) ? try decimal(key, scale: scale) : value
    }
}
