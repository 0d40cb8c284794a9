import OpenAPIRuntime
import SolventCore

/// The generated operations that set the venue-wide rules of the margin models (admin). Each body
/// replaces the whole rule set; a field left out takes the engine's published default
/// (`PortfolioMarginRules.deribitStyle`, `SpanMarginRules.standard`, `GreeksMarginRules.standard`),
/// never the value in force, so a request says everything it sets. Ranges are the engine's to
/// check: 422 naming `rules.<field>`.
extension GeneratedOperations {
    func configurePortfolioMargin(
        _ input: Operations.ConfigurePortfolioMargin.Input
    ) async throws -> Operations.ConfigurePortfolioMargin.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let standard = PortfolioMarginRules.deribitStyle
        let scenarios =
            try body.scenarios.map {
                try FieldValue.elements($0, field: "scenarios", max: Limits.portfolioScenarios) { entry, path in
                    PortfolioMarginRules.Scenario(
                        move: try FieldValue.rate(entry.move, field: "\(path).move"),
                        volatilityShock: try FieldValue.rate(entry.volatilityShock, field: "\(path).volatilityShock"),
                        weight: try FieldValue.rate(entry.weight, field: "\(path).weight", default: .one))
                }
            } ?? standard.scenarios
        let rules = PortfolioMarginRules(
            scenarios: scenarios,
            shortVegaPower: try FieldValue.rate(
                body.shortVegaPower, field: "shortVegaPower", default: standard.shortVegaPower),
            longVegaPower: try FieldValue.rate(
                body.longVegaPower, field: "longVegaPower", default: standard.longVegaPower),
            floorDays: body.floorDays.map(Int64.init) ?? standard.floorDays,
            maintenanceFactor: try FieldValue.rate(
                body.maintenanceFactor, field: "maintenanceFactor", default: standard.maintenanceFactor))
        return .ok(.init(body: .json(try await service.write(.configurePortfolioMargin(rules)))))
    }

    func configureSpanMargin(
        _ input: Operations.ConfigureSpanMargin.Input
    ) async throws -> Operations.ConfigureSpanMargin.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let standard = SpanMarginRules.standard
        let rules = SpanMarginRules(
            priceScanRange: try FieldValue.rate(
                body.priceScanRange, field: "priceScanRange", default: standard.priceScanRange),
            volatilityScanRange: try FieldValue.rate(
                body.volatilityScanRange, field: "volatilityScanRange", default: standard.volatilityScanRange),
            extremeMove: try FieldValue.rate(body.extremeMove, field: "extremeMove", default: standard.extremeMove),
            coveredFraction: try FieldValue.rate(
                body.coveredFraction, field: "coveredFraction", default: standard.coveredFraction),
            lookaheadDays: body.lookaheadDays.map(Int64.init) ?? standard.lookaheadDays,
            shortOptionMinimum: try FieldValue.rate(
                body.shortOptionMinimum, field: "shortOptionMinimum", default: standard.shortOptionMinimum),
            maintenanceFactor: try FieldValue.rate(
                body.maintenanceFactor, field: "maintenanceFactor", default: standard.maintenanceFactor))
        return .ok(.init(body: .json(try await service.write(.configureSpanMargin(rules)))))
    }

    func configureGreeksMargin(
        _ input: Operations.ConfigureGreeksMargin.Input
    ) async throws -> Operations.ConfigureGreeksMargin.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let standard = GreeksMarginRules.standard
        let rules = GreeksMarginRules(
            deltaMove: try FieldValue.rate(body.deltaMove, field: "deltaMove", default: standard.deltaMove),
            gammaMove: try FieldValue.rate(body.gammaMove, field: "gammaMove", default: standard.gammaMove),
            volatilityShock: try FieldValue.rate(
                body.volatilityShock, field: "volatilityShock", default: standard.volatilityShock),
            vegaOffsetsAcrossExpiries: body.vegaOffsetsAcrossExpiries ?? standard.vegaOffsetsAcrossExpiries,
            maintenanceFactor: try FieldValue.rate(
                body.maintenanceFactor, field: "maintenanceFactor", default: standard.maintenanceFactor))
        return .ok(.init(body: .json(try await service.write(.configureGreeksMargin(rules)))))
    }

    /// The VaR models' scenario set (each series a market's relative moves) and parameters.
    func configureVaRMargin(
        _ input: Operations.ConfigureVaRMargin.Input
    ) async throws -> Operations.ConfigureVaRMargin.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let series = try FieldValue.elements(body.series, field: "series", max: Limits.varSeries) { entry, path in
            VaRMarginRules.Series(
                market: MarketID(entry.market.value),
                moves: try FieldValue.elements(
                    entry.moves, field: "\(path).moves", max: Limits.varScenarios, of: "decimals"
                ) { try FieldValue.rate($0, field: $1) })
        }
        let rules = VaRMarginRules(
            series: series, confidence: try FieldValue.rate(body.confidence, field: "confidence", default: "0.99"),
            measure: try body.measure.map { try FieldValue.choice($0, field: "measure") } ?? .valueAtRisk,
            maintenanceFactor: try FieldValue.rate(body.maintenanceFactor, field: "maintenanceFactor", default: "0.8"),
            lambda: try FieldValue.rate(body.lambda, field: "lambda", default: "0.94"),
            // Ranges are the engine's to check (422 naming rules.degrees, rules.draws).
            degrees: body.degrees.map(Int64.init) ?? 4, draws: body.draws.map(Int64.init) ?? 2_000,
            seed: UInt64(try FieldValue.integer(body.seed, field: "seed", default: 1, in: 0...Int64.max)))
        return .ok(.init(body: .json(try await service.write(.configureVaRMargin(rules)))))
    }

    /// Spread credits across underlyings; an empty list removes every credit.
    func configureSpreadCredits(
        _ input: Operations.ConfigureSpreadCredits.Input
    ) async throws -> Operations.ConfigureSpreadCredits.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let spreads =
            body.spreads.isEmpty
            ? []
            : try FieldValue.elements(body.spreads, field: "spreads", max: Limits.spreadCredits) { entry, path in
                SpreadCreditRules.Spread(
                    first: MarketID(entry.first.value), second: MarketID(entry.second.value),
                    firstRatio: try FieldValue.rate(entry.firstRatio, field: "\(path).firstRatio", default: "1"),
                    secondRatio: try FieldValue.rate(entry.secondRatio, field: "\(path).secondRatio", default: "1"),
                    creditRate: try FieldValue.rate(entry.creditRate, field: "\(path).creditRate"))
            }
        let command = Command.configureSpreadCredits(SpreadCreditRules(spreads: spreads))
        return .ok(.init(body: .json(try await service.write(command))))
    }
}
