import Foundation
import SolventCore

/// The margin models' venue-wide rules as JSON, named as the POST bodies name them (rates as
/// decimal strings), so what a GET shows can be sent back.
enum RulesView {
    static func varMargin(_ rules: VaRMarginRules) -> [String: Any] {
        [
            "series": rules.series.map { item -> [String: Any] in
                ["market": Int(item.market.rawValue), "moves": item.moves.map(\.description)]
            },
            "scenarioCount": rules.scenarioCount, "confidence": rules.confidence.description,
            "measure": rules.measure.rawValue,
            "maintenanceFactor": rules.maintenanceFactor.description, "lambda": rules.lambda.description,
            "degrees": rules.degrees, "draws": rules.draws, "seed": rules.seed,
        ]
    }

    static func portfolio(_ rules: PortfolioMarginRules) -> [String: Any] {
        [
            "scenarios": rules.scenarios.map { item -> [String: Any] in
                [
                    "move": item.move.description, "volatilityShock": item.volatilityShock.description,
                    "weight": item.weight.description,
                ]
            },
            "shortVegaPower": rules.shortVegaPower.description, "longVegaPower": rules.longVegaPower.description,
            "floorDays": rules.floorDays, "maintenanceFactor": rules.maintenanceFactor.description,
        ]
    }

    static func span(_ rules: SpanMarginRules) -> [String: Any] {
        [
            "priceScanRange": rules.priceScanRange.description,
            "volatilityScanRange": rules.volatilityScanRange.description,
            "extremeMove": rules.extremeMove.description, "coveredFraction": rules.coveredFraction.description,
            "lookaheadDays": rules.lookaheadDays, "shortOptionMinimum": rules.shortOptionMinimum.description,
            "maintenanceFactor": rules.maintenanceFactor.description,
        ]
    }

    static func greeks(_ rules: GreeksMarginRules) -> [String: Any] {
        [
            "deltaMove": rules.deltaMove.description, "gammaMove": rules.gammaMove.description,
            "volatilityShock": rules.volatilityShock.description,
            "vegaOffsetsAcrossExpiries": rules.vegaOffsetsAcrossExpiries,
            "maintenanceFactor": rules.maintenanceFactor.description,
        ]
    }

    static func spreads(_ rules: SpreadCreditRules) -> [[String: Any]] {
        rules.spreads.map { item -> [String: Any] in
            [
                "first": Int(item.first.rawValue), "second": Int(item.second.rawValue),
                "firstRatio": item.firstRatio.description,
                "secondRatio": item.secondRatio.description, "creditRate": item.creditRate.description,
            ]
        }
    }
}
