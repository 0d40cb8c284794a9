import Foundation
import SolventCore

/// One market's whole configuration as JSON: its contract, risk parameters, oracle and
/// circuit-breaker rules, liquidation parameters (named as the PUT bodies name them, so a GET
/// can be edited and sent back), backstops and, for an underlying, its volatility smiles.
/// Decimals are strings; durations are whole seconds (every duration the API sets is).
enum MarketView {
    static func detail(_ engine: Engine, _ market: MarketState) -> [String: Any] {
        let scale = engine.asset(market.spec.settleAsset)?.spec.scale ?? 0
        let spec = market.spec
        var object: [String: Any] = [
            "id": Int(spec.id.rawValue), "symbol": spec.symbol, "kind": spec.kind.rawValue,
            "settleAsset": Int(spec.settleAsset.rawValue),
            "contractSize": spec.contractSize.description, "tickSize": spec.tickSize.description,
            "lotSize": spec.lotSize.description,
            "expirySeconds": spec.expiry.map { $0.nanoseconds / 1_000_000_000 } as Any? ?? NSNull(),
            "mark": market.mark > 0 ? Price(atoms: market.mark).description : NSNull(),
            "index": market.index > 0 ? Price(atoms: market.index).description : NSNull(),
            "settled": market.settled,
            "risk": risk(market.parameters, scale: scale),
            "oracle": market.oracle.map { oracle($0, scale: scale) } as Any? ?? NSNull(),
            "liquidation": market.liquidation.map { liquidation($0, market: market, scale: scale) } as Any? ?? NSNull(),
            "backstops": market.backstops.map { item -> [String: Any] in
                ["account": item.account.rawValue, "capacity": DecimalText.format(item.capacity, scale: scale)]
            },
            "smiles": market.smiles.map { smile -> [String: Any] in
                [
                    "expirySeconds": smile.expiry.nanoseconds / 1_000_000_000,
                    "strikes": smile.strikes.map(\.description),
                    "volatilities": smile.volatilities.map(\.description),
                ]
            },
        ]
        if let terms = spec.option {
            object["option"] = [
                "right": terms.right.rawValue, "strike": terms.strike.description,
                "underlying": Int(terms.underlying.rawValue),
                "premium": terms.premium.rawValue, "standardMarginBase": terms.standardMargin.base.description,
                "standardMarginFloor": terms.standardMargin.floor.description,
                "standardMarginMaintenance": terms.standardMargin.maintenance.description,
                // The smile's volatility at the strike (null until a smile for the expiry is published).
                "volatility": market.optionVolatility > 0
                    ? Rate(atoms: market.optionVolatility).description as Any : NSNull(),
            ]
        } else {
            object["option"] = NSNull()
        }
        return object
    }

    static func seconds(_ nanoseconds: Int64) -> Int64 { nanoseconds / 1_000_000_000 }

    static func risk(_ parameters: RiskParameters, scale: Int) -> [String: Any] {
        var object: [String: Any] = [
            "feeMakerRate": parameters.feeMakerRate.description, "feeTakerRate": parameters.feeTakerRate.description,
            "fundingIntervalSeconds": seconds(parameters.fundingInterval),
            "priceMaxAgeSeconds": seconds(parameters.priceMaxAge),
            "marginCallRatio": parameters.marginCallRatio.description,
            "liquidationExitBuffer": parameters.liquidationExitBuffer.description,
            "settlementWindowSeconds": parameters.settlementWindow.map(seconds) as Any? ?? NSNull(),
            "maximumLeverage": parameters.margin.maximumLeverage,
        ]
        switch parameters.margin {
        case .tiered(let table):
            object["tiers"] = table.tiers.map { tier -> [String: Any] in
                [
                    "cap": tier.notionalCap.map { DecimalText.format($0.atoms, scale: scale) } as Any? ?? NSNull(),
                    "initial": tier.initialRate.description, "maintenance": tier.maintenanceRate.description,
                ]
            }
        case .sizeScaled(let initialBase, let maintenanceBase, let perContract):
            object["sizeScaled"] = [
                "initialBase": initialBase.description, "maintenanceBase": maintenanceBase.description,
                "ratePerContract": perContract.description,
            ]
        }
        return object
    }

    /// The oracle's aggregation and breaker rules, with the breakers' state now.
    static func oracle(_ state: OracleState, scale: Int) -> [String: Any] {
        let config = state.config
        let mode: Any
        switch config.priceMoveMode {
        case .pause: mode = "pause"
        case .slow(let fraction): mode = ["slow": ["stepFraction": fraction.description]]
        }
        return [
            "sources": config.sources.map { item -> [String: Any] in
                ["id": Int(item.id.rawValue), "weight": item.weight]
            }, "aggregation": config.aggregation.rawValue,
            "sampleMaxAgeSeconds": seconds(config.sampleMaxAge), "band": config.band.description,
            "minimumSources": config.minimumSources,
            "resumeAfterGoodUpdates": config.resumeAfterGoodUpdates, "markBand": config.markBand.description,
            "basisTimeConstantSeconds": seconds(config.basisTimeConstant),
            "priceMoveThreshold": config.priceMoveThreshold.description,
            "priceMoveWindowSeconds": seconds(config.priceMoveWindow),
            "priceMoveCoolDownSeconds": seconds(config.priceMoveCoolDown), "priceMoveMode": mode,
            "fundingInterestRate": config.fundingInterestRate.description,
            "fundingPremiumClamp": config.fundingPremiumClamp.description,
            "fundingCap": config.fundingCap.description,
            "liquidationDepth": DecimalText.format(config.liquidationDepth, scale: scale),
            "liquidationDepthFraction": config.liquidationDepthFraction.description,
            "liquidationWindowSeconds": seconds(config.liquidationWindow),
            "breakers": [
                "oracleFrozen": state.frozen,
                "priceMoveUntilSeconds": state.priceMoveUntil.map { seconds($0.nanoseconds) } as Any? ?? NSNull(),
            ],
        ]
    }

    static func liquidation(_ parameters: LiquidationParameters, market: MarketState, scale: Int) -> [String: Any] {
        func amount(_ atoms: Int64) -> String { DecimalText.format(atoms, scale: scale) }
        var object: [String: Any] = [
            "penaltyRate": parameters.penaltyRate.description,
            "clearanceFeeRate": parameters.clearanceFeeRate.description,
            "stepFraction": parameters.stepFraction.description, "dustNotional": amount(parameters.dustNotional),
            "maximumStepNotional": parameters.maximumStepNotional.map(amount) as Any? ?? NSNull(),
            "keeperRewardFlat": amount(parameters.keeperReward.flat),
            "keeperRewardRate": parameters.keeperReward.rate.description,
            "fundDrawCapPerInterval": parameters.fundDrawCap.map { amount($0.perInterval) } as Any? ?? NSNull(),
            "fundDrawCapIntervalSeconds": parameters.fundDrawCap?.intervalSeconds as Any? ?? NSNull(),
            "fundDrawCapTotal": parameters.fundDrawCap?.total.map(amount) as Any? ?? NSNull(),
            "fundDrawnInWindow": amount(market.fundDrawnInWindow), "fundDrawnTotal": amount(market.fundDrawnTotal),
        ]
        switch parameters.target {
        case .initialMargin: object["target"] = "initialMargin"
        case .maintenancePlusBuffer(let buffer): object["targetBuffer"] = buffer.description
        }
        switch parameters.depth {
        case .squareRoot(let depth, let coefficient):
            object["depthNotional"] = amount(depth)
            object["depthCoefficient"] = coefficient.description
        case .levels(let levels):
            object["depthLevels"] = levels.map { item -> [String: Any] in
                ["distance": item.distance.description, "notional": amount(item.notional)]
            }
        }
        switch parameters.lossAllocation {
        case .venue: object["lossAllocation"] = "venue"
        case .socialized: object["lossAllocation"] = "socialized"
        case .autoDeleveraging(let ranking, let maximum):
            object["lossAllocation"] = "adl"
            object["adlRanking"] = ranking.rawValue
            object["adlMaximumCounterparties"] = maximum
        }
        switch parameters.mechanism {
        case .orderBook: object["mechanism"] = "orderbook"
        case .backstop(let share):
            object["mechanism"] = "backstop"
            object["backstopPriceShare"] = share.description
        case .auction(let rules):
            object["mechanism"] = "auction"
            object["auctionBuffer"] = rules.buffer.description
            switch rules.curve {
            case .linear(let duration):
                object["auctionCurve"] = "linear"
                object["auctionDurationSeconds"] = seconds(duration)
            case .stairstepExponential(let cut, let step):
                object["auctionCurve"] = "stairstep"
                object["auctionCut"] = cut.description
                object["auctionStepSeconds"] = seconds(step)
            case .exponential(let cut):
                object["auctionCurve"] = "exponential"
                object["auctionCut"] = cut.description
            }
            object["auctionTailSeconds"] = seconds(rules.tail)
            object["auctionCusp"] = rules.cusp.description
            object["auctionTipFlat"] = amount(rules.tipFlat)
            object["auctionChip"] = rules.chip.description
            object["auctionDust"] = amount(rules.dust)
        }
        return object
    }
}
