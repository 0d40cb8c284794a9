import Foundation
import Hummingbird
import SolventCore

/// The loss waterfall's administration: explicit funding, and the keeper-reward, fund-cap and ADL fields of
/// `PUT /v1/markets/{id}/liquidation` (read here so that route stays one translation).
extension SolventService {
    func addWaterfallRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        // One funding payment at an explicit rate (longs pay shorts when positive), for a venue
        // whose funding rate is computed outside the engine.
        router.post("/v1/markets/:market/funding") { request, context in
            _ = try await service.require(request, [.admin])
            let market = try context.parameters.require("market", as: UInt32.self)
            let body = try await RequestBody.read(request, allowed: ["rate"])
            return try await service.submit(.settleFunding(market: MarketID(market), rate: try body.rate("rate")))
        }
    }

    /// The fields `PUT /v1/markets/{id}/liquidation` takes beyond the mechanism and its rules.
    static let liquidationIncentiveFields: Set<String> = [
        "keeperRewardFlat", "keeperRewardRate", "fundDrawCapPerInterval", "fundDrawCapIntervalSeconds",
        "fundDrawCapTotal",
        "adlRanking", "adlMaximumCounterparties",
    ]

    /// Who bears what the fund cannot: `adl` (ranked by `adlRanking`, visiting at most
    /// `adlMaximumCounterparties`, default 64), `socialized` or `venue`.
    static func lossAllocation(_ body: RequestBody) throws -> LiquidationParameters.LossAllocation {
        let allocation = try body.string("lossAllocation", default: "adl")
        if allocation != "adl" {
            for field in ["adlRanking", "adlMaximumCounterparties"] where body.has(field) {
                throw APIError.invalid(field, "only with lossAllocation adl")
            }
        }
        switch allocation {
        case "adl":
            let ranking: AutoDeleveraging.Ranking = try body.choice("adlRanking", default: .profitTimesLeverage)
            // The engine's candidates carry what profit × leverage needs (values at mark, entry
            // and bankruptcy), not the wallet balance, margin ratio and account value the Binance
            // and Hyperliquid scores read: ranked by those, every score would be 0 or NaN.
            guard ranking == .profitTimesLeverage else {
                throw APIError.invalid(
                    "adlRanking",
                    "the engine ranks by profitTimesLeverage only: its candidates do not carry the inputs of \(ranking.rawValue)"
                )
            }
            let maximum = try body.int(
                "adlMaximumCounterparties", default: 64, in: 1...Int64(Limits.deleveragingCounterparties))
            return .autoDeleveraging(ranking: ranking, maximumCounterparties: Int(maximum))
        case "socialized": return .socialized
        case "venue": return .venue
        default: throw APIError.invalid("lossAllocation", "expected adl, socialized or venue")
        }
    }

    /// The keeper reward (`keeperRewardFlat` in the settlement asset plus `keeperRewardRate` of
    /// the closed notional; none by default) and the cap on the market's insurance-fund draws
    /// (`fundDrawCapPerInterval` per `fundDrawCapIntervalSeconds`, both or neither, and an
    /// optional lifetime `fundDrawCapTotal`; none by default: the whole fund).
    static func readIncentives(
        _ body: RequestBody, settleScale scale: Int, into parameters: inout LiquidationParameters
    ) throws {
        parameters.keeperReward = .init(
            flat: try body.decimal("keeperRewardFlat", scale: scale, default: 0),
            rate: try body.rate("keeperRewardRate", orDefault: .zero))
        let perInterval = body.has("fundDrawCapPerInterval"), interval = body.has("fundDrawCapIntervalSeconds")
        guard perInterval == interval else {
            throw APIError.invalid(
                perInterval ? "fundDrawCapIntervalSeconds" : "fundDrawCapPerInterval",
                "fundDrawCapPerInterval and fundDrawCapIntervalSeconds go together")
        }
        guard perInterval else {
            if body.has("fundDrawCapTotal") {
                throw APIError.invalid(
                    "fundDrawCapTotal", "needs fundDrawCapPerInterval and fundDrawCapIntervalSeconds")
            }
            return
        }
        // The engine counts the window in nanoseconds: ten years keeps that within 64 bits.
        parameters.fundDrawCap = .init(
            perInterval: try body.decimal("fundDrawCapPerInterval", scale: scale),
            intervalSeconds: try body.int("fundDrawCapIntervalSeconds", in: 1...315_360_000),
            total: body.has("fundDrawCapTotal") ? try body.decimal("fundDrawCapTotal", scale: scale) : nil)
    }
}
