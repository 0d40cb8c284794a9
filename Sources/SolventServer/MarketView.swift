import Foundation
import SolventCore

/// One market's whole configuration as the document's reply type: its contract, risk
/// parameters, oracle and circuit-breaker rules, liquidation parameters (named as the PUT bodies
/// name them, so a GET can be edited and sent back), backstops and, for an underlying, its
/// volatility smiles. Decimals are strings; durations are whole seconds (every duration the API
/// sets is); what the market does not have (an oracle, an expiry, option terms) is left out.
enum MarketView {
    typealias S = Components.Schemas

    static func detail(_ engine: Engine, _ market: MarketState) -> S.MarketDetail {
        let scale = engine.asset(market.spec.settleAsset)?.spec.scale ?? 0
        let spec = market.spec
        return S.MarketDetail(
            id: APIID32(spec.id.rawValue), symbol: spec.symbol,
            kind: spec.kind == .inverse ? .inverse : .linear, settleAsset: APIID32(spec.settleAsset.rawValue),
            contractSize: spec.contractSize.description, tickSize: spec.tickSize.description,
            lotSize: spec.lotSize.description, expirySeconds: spec.expiry.map { seconds($0.nanoseconds) },
            mark: StateView.price(market.mark), index: StateView.price(market.index), settled: market.settled,
            risk: risk(market.parameters, scale: scale), oracle: market.oracle.map { oracle($0, scale: scale) },
            liquidation: market.liquidation.map { liquidation($0, market: market, scale: scale) },
            backstops: market.backstops.map {
                .init(
                    account: APIAccountID($0.account.rawValue), capacity: DecimalText.format($0.capacity, scale: scale))
            },
            smiles: market.smiles.map {
                .init(
                    expirySeconds: seconds($0.expiry.nanoseconds), strikes: $0.strikes.map(\.description),
                    volatilities: $0.volatilities.map(\.description))
            },
            option: spec.option.map { terms in
                .init(
                    right: terms.right == .put ? .put : .call, strike: terms.strike.description,
                    underlying: APIID32(terms.underlying.rawValue), premium: terms.premium == .coin ? .coin : .quote,
                    standardMarginBase: terms.standardMargin.base.description,
                    standardMarginFloor: terms.standardMargin.floor.description,
                    standardMarginMaintenance: terms.standardMargin.maintenance.description,
                    // The smile's volatility at the strike (absent until a smile for the expiry is published).
                    volatility: market.optionVolatility > 0 ? Rate(atoms: market.optionVolatility).description : nil)
            })
    }

    static func seconds(_ nanoseconds: Int64) -> Int { Int(nanoseconds / 1_000_000_000) }

    static func risk(_ parameters: RiskParameters, scale: Int) -> S.MarketRisk {
        var risk = S.MarketRisk(
            feeMakerRate: parameters.feeMakerRate.description, feeTakerRate: parameters.feeTakerRate.description,
            fundingIntervalSeconds: seconds(parameters.fundingInterval),
            priceMaxAgeSeconds: seconds(parameters.priceMaxAge),
            marginCallRatio: parameters.marginCallRatio.description,
            liquidationExitBuffer: parameters.liquidationExitBuffer.description,
            settlementWindowSeconds: parameters.settlementWindow.map(seconds),
            maximumLeverage: Int(parameters.margin.maximumLeverage))
        switch parameters.margin {
        case .tiered(let table):
            risk.tiers = table.tiers.map { tier in
                .init(
                    cap: tier.notionalCap.map { DecimalText.format($0.atoms, scale: scale) },
                    initial: tier.initialRate.description, maintenance: tier.maintenanceRate.description)
            }
        case .sizeScaled(let initialBase, let maintenanceBase, let perContract):
            risk.sizeScaled = .init(
                initialBase: initialBase.description, maintenanceBase: maintenanceBase.description,
                ratePerContract: perContract.description)
        }
        return risk
    }

    /// The oracle's aggregation and breaker rules, with the breakers' state now.
    static func oracle(_ state: OracleState, scale: Int) -> S.MarketOracle {
        let config = state.config
        let mode: S.MarketOracle.PriceMoveModePayload
        switch config.priceMoveMode {
        case .pause: mode = .case1(.pause)
        case .slow(let fraction): mode = .case2(.init(slow: .init(stepFraction: fraction.description)))
        }
        return S.MarketOracle(
            sources: config.sources.map { .init(id: APIID32($0.id.rawValue), weight: Int($0.weight)) },
            aggregation: config.aggregation.rawValue, sampleMaxAgeSeconds: seconds(config.sampleMaxAge),
            band: config.band.description, minimumSources: Int(config.minimumSources),
            resumeAfterGoodUpdates: Int(config.resumeAfterGoodUpdates), markBand: config.markBand.description,
            basisTimeConstantSeconds: seconds(config.basisTimeConstant),
            priceMoveThreshold: config.priceMoveThreshold.description,
            priceMoveWindowSeconds: seconds(config.priceMoveWindow),
            priceMoveCoolDownSeconds: seconds(config.priceMoveCoolDown), priceMoveMode: mode,
            fundingInterestRate: config.fundingInterestRate.description,
            fundingPremiumClamp: config.fundingPremiumClamp.description, fundingCap: config.fundingCap.description,
            liquidationDepth: DecimalText.format(config.liquidationDepth, scale: scale),
            liquidationDepthFraction: config.liquidationDepthFraction.description,
            liquidationWindowSeconds: seconds(config.liquidationWindow),
            breakers: .init(
                oracleFrozen: state.frozen, priceMoveUntilSeconds: state.priceMoveUntil.map { seconds($0.nanoseconds) })
        )
    }

    static func liquidation(_ parameters: LiquidationParameters, market: MarketState, scale: Int) -> S.MarketLiquidation
    {
        func amount(_ atoms: Int64) -> String { DecimalText.format(atoms, scale: scale) }
        var view = S.MarketLiquidation(
            penaltyRate: parameters.penaltyRate.description, clearanceFeeRate: parameters.clearanceFeeRate.description,
            stepFraction: parameters.stepFraction.description, dustNotional: amount(parameters.dustNotional),
            maximumStepNotional: parameters.maximumStepNotional.map(amount),
            keeperRewardFlat: amount(parameters.keeperReward.flat),
            keeperRewardRate: parameters.keeperReward.rate.description,
            fundDrawCapPerInterval: parameters.fundDrawCap.map { amount($0.perInterval) },
            fundDrawCapIntervalSeconds: parameters.fundDrawCap.map { Int($0.intervalSeconds) },
            fundDrawCapTotal: parameters.fundDrawCap?.total.map(amount),
            fundDrawnInWindow: amount(market.fundDrawnInWindow), fundDrawnTotal: amount(market.fundDrawnTotal),
            lossAllocation: .venue, mechanism: .orderbook)
        switch parameters.target {
        case .initialMargin: view.target = .initialMargin
        case .maintenancePlusBuffer(let buffer): view.targetBuffer = buffer.description
        }
        switch parameters.depth {
        case .squareRoot(let depth, let coefficient):
            view.depthNotional = amount(depth)
            view.depthCoefficient = coefficient.description
        case .levels(let levels):
            view.depthLevels = levels.map { .init(distance: $0.distance.description, notional: amount($0.notional)) }
        }
        switch parameters.lossAllocation {
        case .venue: view.lossAllocation = .venue
        case .socialized: view.lossAllocation = .socialized
        case .autoDeleveraging(let ranking, let maximum):
            view.lossAllocation = .adl
            view.adlRanking = ranking.rawValue
            view.adlMaximumCounterparties = Int(maximum)
        }
        switch parameters.mechanism {
        case .orderBook: view.mechanism = .orderbook
        case .backstop(let share):
            view.mechanism = .backstop
            view.backstopPriceShare = share.description
        case .auction(let rules): auction(rules, into: &view, amount: amount)
        }
        return view
    }

    private static func auction(
        _ rules: DutchAuctionRules, into view: inout S.MarketLiquidation, amount: (Int64) -> String
    ) {
        view.mechanism = .auction
        view.auctionBuffer = rules.buffer.description
        switch rules.curve {
        case .linear(let duration):
            view.auctionCurve = .linear
            view.auctionDurationSeconds = seconds(duration)
        case .stairstepExponential(let cut, let step):
            view.auctionCurve = .stairstep
            view.auctionCut = cut.description
            view.auctionStepSeconds = seconds(step)
        case .exponential(let cut):
            view.auctionCurve = .exponential
            view.auctionCut = cut.description
        }
        view.auctionTailSeconds = seconds(rules.tail)
        view.auctionCusp = rules.cusp.description
        view.auctionTipFlat = amount(rules.tipFlat)
        view.auctionChip = rules.chip.description
        view.auctionDust = amount(rules.dust)
    }
}
