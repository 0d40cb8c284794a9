import Foundation
import SolventCore

/// Engine state as the document's reply types: what the reads and the dashboard show. The
/// numbers come from the engine's own reports (nothing is recomputed here); a value the engine
/// does not have (no mark yet, no entry price) is left out.
enum StateView {
    typealias S = Components.Schemas

    static func markets(_ engine: Engine) -> [S.MarketSummary] {
        engine.markets.map { market in
            S.MarketSummary(
                id: APIID32(market.spec.id.rawValue), symbol: market.spec.symbol, kind: kind(market.spec.kind),
                settleAsset: APIID32(market.spec.settleAsset.rawValue), mark: price(market.mark),
                index: price(market.index), settled: market.settled, liquidation: market.liquidation != nil)
        }
    }

    static func kind(_ kind: InstrumentKind) -> S.MarketSummary.KindPayload {
        switch kind {
        case .linear: .linear
        case .inverse: .inverse
        }
    }

    /// A price the engine has (positive atoms) as its decimal text; nil before the first.
    static func price(_ atoms: Int64) -> String? { atoms > 0 ? Price(atoms: atoms).description : nil }

    static func funds(_ engine: Engine) -> [S.Fund] {
        engine.assets.map { asset in
            let scale = asset.spec.scale
            return S.Fund(
                asset: APIID32(asset.spec.id.rawValue), symbol: asset.spec.symbol,
                insuranceFund: DecimalText.format(asset.insuranceFund, scale: scale),
                deficit: DecimalText.format(-asset.deficit, scale: scale),
                feePool: DecimalText.format(asset.feePool, scale: scale))
        }
    }

    static func account(_ engine: Engine, _ id: AccountID) -> S.Account? {
        guard let account = engine.account(id) else { return nil }
        let balances = account.balances.map { balance in
            let asset = engine.assets[Int(balance.assetIndex)]
            return S.Account.BalancesPayloadPayload(
                asset: APIID32(asset.spec.id.rawValue), symbol: asset.spec.symbol,
                balance: DecimalText.format(balance.atoms, scale: asset.spec.scale))
        }
        let margin: S.Account.MarginPayload?
        switch engine.marginReport(of: id) {
        case .success(let report)?: margin = .MarginReport(self.margin(report))
        case .failure(let error)?: margin = .MarginReportError(.init(error: "\(error)"))
        case nil: margin = nil
        }
        return S.Account(account: APIAccountNumber(id.rawValue), balances: balances, margin: margin)
    }

    static func margin(_ report: MarginReport) -> S.MarginReport {
        S.MarginReport(
            status: status(report.status), equity: report.equity.description,
            initialMargin: report.initialMargin.description, maintenanceMargin: report.maintenanceMargin.description,
            availableBalance: report.availableBalance.description, marginRatio: report.marginRatio?.description,
            positions: report.positions.map { position in
                let scale = position.settleScale
                return S.PositionMargin(
                    market: APIID32(position.market.rawValue), symbol: position.symbol,
                    size: position.size.description, entryPrice: position.entryPrice?.description,
                    markPrice: position.markPrice.description, isolated: position.isolated,
                    unrealizedPnl: DecimalText.format(position.unrealizedPnl.atoms, scale: scale),
                    initialMargin: DecimalText.format(position.initialMargin.atoms, scale: scale),
                    maintenanceMargin: DecimalText.format(position.maintenanceMargin.atoms, scale: scale),
                    liquidationPrice: position.liquidationPrice?.description,
                    bankruptcyPrice: position.bankruptcyPrice?.description,
                    liquidationPriceNote: position.liquidationPriceAbsence?.rawValue,
                    bankruptcyPriceNote: position.bankruptcyPriceAbsence?.rawValue,
                    status: position.status.rawValue)
            })
    }

    static func status(_ status: MarginStatus) -> S.MarginReport.StatusPayload {
        switch status {
        case .healthy: .healthy
        case .marginCall: .marginCall
        case .liquidatable: .liquidatable
        case .bankrupt: .bankrupt
        }
    }

    /// An asset's declaration, its credited price and, when it has one, its collateral oracle
    /// (rules as the PUT body names them, the breaker, the sources' latest aggregate).
    static func asset(_ asset: AssetState, now: Timestamp) -> S.AssetDetail {
        let oracle = asset.oracle.map { oracle in
            let config = oracle.config
            return S.AssetDetail.OraclePayload(
                sources: config.sources.map { .init(id: Int($0.id.rawValue), weight: Int($0.weight)) },
                sampleMaxAgeSeconds: Int(config.sampleMaxAge / 1_000_000_000),
                band: APIDecimal(config.band.description),
                minimumSources: Int(config.minimumSources), resumeAfterGoodUpdates: Int(config.resumeAfterGoodUpdates),
                maxRisePerHour: APIDecimal(config.maxRisePerHour.description), frozen: oracle.frozen,
                index: price(oracle.index))
        }
        return S.AssetDetail(
            asset: Int(asset.spec.id.rawValue), symbol: asset.spec.symbol, scale: asset.spec.scale,
            priceMaxAgeSeconds: Int(asset.spec.priceMaxAge / 1_000_000_000), price: price(asset.price),
            priceAgeSeconds: asset.price > 0
                ? Int(max(0, now.nanoseconds - asset.priceTime.nanoseconds) / 1_000_000_000) : nil,
            oracle: oracle)
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
