import Foundation
import SolventCore

/// Engine state as JSON objects: what the read endpoints and the dashboard show. The numbers
/// come from the engine's own reports (nothing is recomputed here).
enum StateView {
    static func markets(_ engine: Engine) -> [[String: Any]] {
        engine.markets.map { market in
            var object: [String: Any] = [
                "id": Int(market.spec.id.rawValue), "symbol": market.spec.symbol, "kind": market.spec.kind.rawValue,
                "settleAsset": Int(market.spec.settleAsset.rawValue),
                "mark": market.mark > 0 ? Price(atoms: market.mark).description : NSNull(),
                "index": market.index > 0 ? Price(atoms: market.index).description : NSNull(),
                "settled": market.settled,
            ]
            object["liquidation"] = market.liquidation != nil
            return object
        }
    }

    static func funds(_ engine: Engine) -> [[String: Any]] {
        engine.assets.map { asset in
            let scale = asset.spec.scale
            return [
                "asset": Int(asset.spec.id.rawValue), "symbol": asset.spec.symbol,
                "insuranceFund": DecimalText.format(asset.insuranceFund, scale: scale),
                "deficit": DecimalText.format(-asset.deficit, scale: scale),
                "feePool": DecimalText.format(asset.feePool, scale: scale),
            ]
        }
    }

    static func account(_ engine: Engine, _ id: AccountID) -> [String: Any]? {
        guard let account = engine.account(id) else { return nil }
        let balances: [[String: Any]] = account.balances.map { balance in
            let asset = engine.assets[Int(balance.assetIndex)]
            return [
                "asset": Int(asset.spec.id.rawValue), "symbol": asset.spec.symbol,
                "balance": DecimalText.format(balance.atoms, scale: asset.spec.scale),
            ]
        }
        var object: [String: Any] = ["account": id.rawValue, "balances": balances]
        switch engine.marginReport(of: id) {
        case .success(let report)?:
            object["margin"] = [
                "status": report.status.rawValue, "equity": report.equity.description,
                "initialMargin": report.initialMargin.description,
                "maintenanceMargin": report.maintenanceMargin.description,
                "availableBalance": report.availableBalance.description,
                "marginRatio": report.marginRatio?.description as Any? ?? NSNull(),
                "positions": report.positions.map { position -> [String: Any] in
                    let scale = position.settleScale
                    return [
                        "market": Int(position.market.rawValue), "symbol": position.symbol,
                        "size": position.size.description,
                        "entryPrice": position.entryPrice?.description as Any? ?? NSNull(),
                        "markPrice": position.markPrice.description,
                        "isolated": position.isolated,
                        "unrealizedPnl": DecimalText.format(position.unrealizedPnl.atoms, scale: scale),
                        "initialMargin": DecimalText.format(position.initialMargin.atoms, scale: scale),
                        "maintenanceMargin": DecimalText.format(position.maintenanceMargin.atoms, scale: scale),
                        "liquidationPrice": position.liquidationPrice?.description as Any? ?? NSNull(),
                        "bankruptcyPrice": position.bankruptcyPrice?.description as Any? ?? NSNull(),
                        "liquidationPriceNote": position.liquidationPriceAbsence?.rawValue as Any? ?? NSNull(),
                        "bankruptcyPriceNote": position.bankruptcyPriceAbsence?.rawValue as Any? ?? NSNull(),
                        "status": position.status.rawValue,
                    ]
                },
            ]
        case .failure(let error)?:
            object["margin"] = ["error": "\(error)"]
        case nil:
            break
        }
        return object
    }

    /// Pools flagged in margin call or liquidation, and the accounts with the highest margin
    /// ratio among them first (the engine's flags; ratios from its reports), at most `limit`.
    static func nearestLiquidation(
        _ engine: Engine, limit: Int
    ) -> [(account: UInt64, status: String, ratio: String, equity: String)] {
        var rows: [(UInt64, String, Int64, String, String)] = []
        var seen = Set<UInt64>()
        for (pool, _) in engine.alerts where seen.insert(pool.account.rawValue).inserted {
            guard case .success(let report)? = engine.marginReport(of: pool.account) else { continue }
            rows.append(
                (
                    pool.account.rawValue, report.status.rawValue, report.marginRatio?.atoms ?? Int64.max,
                    report.marginRatio?.description ?? "∞", report.equity.description
                ))
        }
        rows.sort { $0.2 != $1.2 ? $0.2 > $1.2 : $0.0 < $1.0 }
        return rows.prefix(limit).map { ($0.0, $0.1, $0.3, $0.4) }
    }
}
