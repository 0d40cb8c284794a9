import Foundation
import SolventCore

/// The margin models' venue-wide rules as the document's reply types, named as the POST bodies
/// name them (rates as decimal strings), so what a GET shows can be sent back.
enum RulesView {
    typealias S = Components.Schemas

    /// Throws only for a seed beyond a JSON integer's range (the API sets at most `Int64.max`).
    static func varMargin(_ rules: VaRMarginRules) throws -> S.VaRRules {
        guard let seed = Int(exactly: rules.seed) else {
            throw APIError(.internalServerError, "internal", "the VaR seed \(rules.seed) is beyond 2^63 - 1")
        }
        return S.VaRRules(
            series: rules.series.map { .init(market: APIID32($0.market.rawValue), moves: $0.moves.map(\.description)) },
            scenarioCount: rules.scenarioCount, confidence: rules.confidence.description,
            measure: rules.measure == .expectedShortfall ? .es : ._var,
            maintenanceFactor: rules.maintenanceFactor.description, lambda: rules.lambda.description,
            degrees: Int(rules.degrees), draws: Int(rules.draws), seed: seed)
    }

    static func marginRules(_ engine: Engine) -> S.MarginRules {
        S.MarginRules(
            portfolio: portfolio(engine.portfolioMargin), span: span(engine.spanMargin),
            greeks: greeks(engine.greeksMargin), spreadCredits: spreads(engine.spreadCredits))
    }

    static func portfolio(_ rules: PortfolioMarginRules) -> S.PortfolioRules {
        S.PortfolioRules(
            scenarios: rules.scenarios.map {
                .init(
                    move: $0.move.description, volatilityShock: $0.volatilityShock.description,
                    weight: $0.weight.description)
            },
            shortVegaPower: rules.shortVegaPower.description, longVegaPower: rules.longVegaPower.description,
            floorDays: Int(rules.floorDays), maintenanceFactor: rules.maintenanceFactor.description)
    }

    static func span(_ rules: SpanMarginRules) -> S.SpanRules {
        S.SpanRules(
            priceScanRange: rules.priceScanRange.description,
            volatilityScanRange: rules.volatilityScanRange.description, extremeMove: rules.extremeMove.description,
            coveredFraction: rules.coveredFraction.description, lookaheadDays: Int(rules.lookaheadDays),
            shortOptionMinimum: rules.shortOptionMinimum.description,
            maintenanceFactor: rules.maintenanceFactor.description)
    }

    static func greeks(_ rules: GreeksMarginRules) -> S.GreeksRules {
        S.GreeksRules(
            deltaMove: rules.deltaMove.description, gammaMove: rules.gammaMove.description,
            volatilityShock: rules.volatilityShock.description,
            vegaOffsetsAcrossExpiries: rules.vegaOffsetsAcrossExpiries,
            maintenanceFactor: rules.maintenanceFactor.description)
    }

    static func spreads(_ rules: SpreadCreditRules) -> [S.SpreadCredit] {
        rules.spreads.map {
            S.SpreadCredit(
                first: APIID32($0.first.rawValue), second: APIID32($0.second.rawValue),
                firstRatio: $0.firstRatio.description, secondRatio: $0.secondRatio.description,
                creditRate: $0.creditRate.description)
        }
    }
}
