import Foundation
import Hummingbird
import SolventCore

/// The engine commands and queries that the core routes (`Routes.swift`) do not cover: an
/// account's leverage and isolated margin here; options (`OptionRoutes.swift`), the margin
/// models' rules (`MarginRulesRoutes.swift`), the loss waterfall's administration
/// (`WaterfallRoutes.swift`) and the read side (`EngineQueryRoutes.swift`) in their own files.
/// As everywhere, a handler only translates: the engine validates and computes.
extension SolventService {
    func addEngineRoutes(to router: Router<BasicRequestContext>) {
        addAccountSettingRoutes(to: router)
        addOptionRoutes(to: router)
        addMarginRulesRoutes(to: router)
        addWaterfallRoutes(to: router)
        addCollateralOracleRoutes(to: router)
        addEngineQueryRoutes(to: router)
    }

    /// Leverage, margin mode and isolated margin: user actions on one's own account (as on
    /// Binance's `/fapi/v1/leverage` and `/fapi/v1/positionMargin`), which an admin may also take.
    private func addAccountSettingRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        // `marginMode` absent keeps the account's current mode in that market (cross if none),
        // so changing only the leverage of an isolated position is not refused as a mode change.
        router.post("/v1/leverage") { request, _ in
            let principal = try await service.require(request, [.admin, .trader])
            let body = try await RequestBody.read(request, allowed: ["account", "market", "leverage", "marginMode"])
            let account = try body.id("account")
            try service.requireAccount(principal, account)
            let market = MarketID(try body.id("market", as: UInt32.self))
            // The range (1 to the schedule's maximum) is the engine's to check: 422 naming leverage.
            let leverage = try body.int("leverage", in: 1...Int64(Int32.max))
            let isolated: Bool
            if body.has("marginMode") {
                switch try body.string("marginMode") {
                case "cross": isolated = false
                case "isolated": isolated = true
                default: throw APIError.invalid("marginMode", "expected cross or isolated")
                }
            } else {
                isolated = await service.engine.read { engine in
                    guard let index = engine.marketIndex(of: market), let holder = engine.account(AccountID(account))
                    else { return false }
                    if let slot = holder.positionSlot(marketIndex: index) { return holder.positions[slot].isolated }
                    return holder.setting(marketIndex: index)?.isolated ?? false
                }
            }
            return try await service.submit(
                .setLeverage(account: AccountID(account), market: market, leverage: leverage, isolated: isolated))
        }
        // A signed amount in the settlement asset: positive moves margin from the wallet into the
        // isolated position, negative back (refused below the position's initial margin).
        router.post("/v1/isolated-margin") { request, _ in
            let principal = try await service.require(request, [.admin, .trader])
            let body = try await RequestBody.read(request, allowed: ["account", "market", "amount"])
            let account = try body.id("account")
            try service.requireAccount(principal, account)
            let market = MarketID(try body.id("market", as: UInt32.self))
            let scale = try await service.settleScale(market, field: "market")
            return try await service.submit(
                .adjustIsolatedMargin(
                    account: AccountID(account), market: market,
                    amount: Amount(atoms: try body.decimal("amount", scale: scale))))
        }
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
