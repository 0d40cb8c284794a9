import Foundation
import Hummingbird
import SolventCore

/// The venue-wide rules of the portfolio (scenario grid), SPAN-style and Greeks-based margin
/// models (admin). Each body replaces the whole rule set; a field left out takes the engine's
/// published default (`PortfolioMarginRules.deribitStyle`, `SpanMarginRules.standard`,
/// `GreeksMarginRules.standard`), never the value in force, so a request says everything it sets.
/// Ranges are the engine's to check: 422 naming `rules.<field>`.
extension SolventService {
    func addMarginRulesRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.post("/v1/portfolio-margin") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(
                request, allowed: ["scenarios", "shortVegaPower", "longVegaPower", "floorDays", "maintenanceFactor"])
            let standard = PortfolioMarginRules.deribitStyle
            var scenarios = standard.scenarios
            if body.has("scenarios") {
                scenarios = try body.objects(
                    "scenarios", max: Limits.portfolioScenarios, allowed: ["move", "volatilityShock", "weight"]
                )
                .enumerated().map { index, entry in
                    try RequestBody.named("scenarios[\(index)]") {
                        PortfolioMarginRules.Scenario(
                            move: try entry.rate("move"), volatilityShock: try entry.rate("volatilityShock"),
                            weight: try entry.rate("weight", orDefault: .one))
                    }
                }
            }
            let rules = PortfolioMarginRules(
                scenarios: scenarios,
                shortVegaPower: try body.rate("shortVegaPower", orDefault: standard.shortVegaPower),
                longVegaPower: try body.rate("longVegaPower", orDefault: standard.longVegaPower),
                floorDays: try body.int("floorDays", default: standard.floorDays, in: Int64.min...Int64.max),
                maintenanceFactor: try body.rate("maintenanceFactor", orDefault: standard.maintenanceFactor))
            return try await service.submit(.configurePortfolioMargin(rules))
        }
        router.post("/v1/span-margin") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "priceScanRange", "volatilityScanRange", "extremeMove", "coveredFraction",
                    "lookaheadDays", "shortOptionMinimum", "maintenanceFactor",
                ])
            let standard = SpanMarginRules.standard
            let rules = SpanMarginRules(
                priceScanRange: try body.rate("priceScanRange", orDefault: standard.priceScanRange),
                volatilityScanRange: try body.rate("volatilityScanRange", orDefault: standard.volatilityScanRange),
                extremeMove: try body.rate("extremeMove", orDefault: standard.extremeMove),
                coveredFraction: try body.rate("coveredFraction", orDefault: standard.coveredFraction),
                lookaheadDays: try body.int(
                    "lookaheadDays", default: standard.lookaheadDays, in: Int64.min...Int64.max),
                shortOptionMinimum: try body.rate("shortOptionMinimum", orDefault: standard.shortOptionMinimum),
                maintenanceFactor: try body.rate("maintenanceFactor", orDefault: standard.maintenanceFactor))
            return try await service.submit(.configureSpanMargin(rules))
        }
        router.post("/v1/greeks-margin") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(
                request,
                allowed: [
                    "deltaMove", "gammaMove", "volatilityShock", "vegaOffsetsAcrossExpiries",
                    "maintenanceFactor",
                ])
            let standard = GreeksMarginRules.standard
            let rules = GreeksMarginRules(
                deltaMove: try body.rate("deltaMove", orDefault: standard.deltaMove),
                gammaMove: try body.rate("gammaMove", orDefault: standard.gammaMove),
                volatilityShock: try body.rate("volatilityShock", orDefault: standard.volatilityShock),
                vegaOffsetsAcrossExpiries: try body.bool(
                    "vegaOffsetsAcrossExpiries", default: standard.vegaOffsetsAcrossExpiries),
                maintenanceFactor: try body.rate("maintenanceFactor", orDefault: standard.maintenanceFactor))
            return try await service.submit(.configureGreeksMargin(rules))
        }
    }
}
