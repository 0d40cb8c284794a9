import Foundation
import SolventCore
import SolventSimulation

/// The option portfolio file of `solvent margin --model standard|portfolio|span|greeks`: per
/// underlying its forward (`spot`), options (European, cash-settled, premium in USD) and a
/// linear quantity, plus the models' rules. It reads into an `OptionPortfolio`, which the engine
/// margins (`OptionPortfolioMargin`); every default is the engine's. The schema is in docs/margin.md.
public enum OptionPortfolioFile {
    /// Whether a JSON file is an option portfolio (it has `underlyings`).
    public static func isOptionPortfolio(_ data: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["underlyings"] != nil
    }

    /// Fields the file format no longer takes, with what to give instead.
    static let retired: [String: String] = {
        let forward =
            "not taken: every option is valued on its underlying's mark as the forward, undiscounted, "
            + "as the engine values option markets; give the forward as spot"
        return [
            "rate": forward, "dividend": forward,
            "correlationOffset":
                "not taken: the engine offsets underlyings by inter-commodity spread credits; give spreads",
        ]
    }()

    public static func parse(_ data: Data) throws -> OptionPortfolio {
        let root = try StrictJSON.decode(Located<Document>.self, from: data).value
        if root.correlationOffset != nil { throw InputError("correlationOffset", retired["correlationOffset"]!) }
        guard let list = root.underlyings else { throw InputError("underlyings", "required") }
        var portfolio = OptionPortfolio(underlyings: try list.map(underlying))
        guard !portfolio.underlyings.isEmpty else {
            throw InputError("underlyings", "expected at least one underlying")
        }
        let factor = try root.maintenanceFactor.map {
            Rate(atoms: try rate($0, in: 1...Rate.oneAtoms, what: "a factor above 0"))
        }
        if let entry = root.grid { portfolio.portfolio = try grid(entry) }
        if let entry = root.span { portfolio.span = try span(entry.value) }
        if let entry = root.greeks { portfolio.greeks = try greeks(entry.value) }
        if let factor {
            portfolio.portfolio.maintenanceFactor = factor
            portfolio.span.maintenanceFactor = factor
            portfolio.greeks.maintenanceFactor = factor
        }
        portfolio.spreads = try root.spreads?.map(spread) ?? []
        for (index, spread) in portfolio.spreads.enumerated() {
            for (key, symbol) in [("first", spread.first), ("second", spread.second)]
            where !portfolio.underlyings.contains(where: { $0.symbol == symbol }) {
                throw InputError("spreads[\(index)].\(key)", "no underlying \(symbol)")
            }
            if spread.first == spread.second {
                throw InputError("spreads[\(index)].second", "a spread needs two different underlyings")
            }
        }
        return portfolio
    }

    static func underlying(_ entry: Located<Underlying>) throws -> OptionPortfolio.Underlying {
        let fields = entry.value
        if fields.rate != nil { throw InputError(entry.child("rate"), retired["rate"]!) }
        guard let symbol = fields.symbol, !symbol.isEmpty, symbol.utf8.count <= 32,
            !symbol.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw InputError(entry.child("symbol"), "required: 1 to 32 bytes of UTF-8, no control characters")
        }
        guard let spot = fields.spot else { throw InputError(entry.child("spot"), "required: the forward price") }
        return OptionPortfolio.Underlying(
            symbol: symbol, forward: Price(atoms: try positive(spot, scale: Price.scale, what: "a price")),
            linear: Quantity(atoms: try fields.linear?.atoms(scale: Quantity.scale, what: "a quantity") ?? 0),
            options: try fields.options?.map(option) ?? [])
    }

    static func option(_ entry: Located<Option>) throws -> OptionPortfolio.Option {
        let o = entry.value
        if o.dividend != nil { throw InputError(entry.child("dividend"), retired["dividend"]!) }
        guard let rightText = o.right, let right = OptionTerms.Right(rawValue: rightText.lowercased()) else {
            throw InputError(entry.child("right"), "expected call or put")
        }
        guard let strike = o.strike else { throw InputError(entry.child("strike"), "required") }
        guard let daysField = o.days else { throw InputError(entry.child("days"), "required") }
        guard let volatility = o.volatility else { throw InputError(entry.child("volatility"), "required") }
        guard let quantity = o.quantity else { throw InputError(entry.child("quantity"), "required") }
        guard let days = Double(daysField.text), days.isFinite, days > 0, days <= 36_500 else {
            throw InputError(daysField.path, "expected days to expiry above 0 and at most 36500, got \(daysField.text)")
        }
        let seconds = Int64((days * 86_400).rounded())
        guard seconds > 0 else { throw InputError(daysField.path, "expected at least one second to expiry") }
        return OptionPortfolio.Option(
            right: right, strike: Price(atoms: try positive(strike, scale: Price.scale, what: "a strike")),
            expirySeconds: seconds,
            volatility: Rate(
                atoms: try rate(volatility, in: 1...Limits.volatilityMaximum.atoms, what: "a volatility")),
            quantity: Quantity(atoms: try quantity.atoms(scale: Quantity.scale, what: "a quantity")))
    }

    static func grid(_ entry: Located<Grid>) throws -> PortfolioMarginRules {
        let g = entry.value
        switch g.preset ?? "paradex" {
        case "paradex":
            for (key, given) in [
                ("maxMove", g.maxMove != nil), ("moves", g.moves != nil),
                ("volatilityShocks", g.volatilityShocks != nil),
            ] where given {
                throw InputError(entry.child(key), "only for the uniform preset")
            }
            return .deribitStyle
        case "uniform":
            let shocks =
                try g.volatilityShocks?.map {
                    Rate(atoms: try rate($0, in: -Rate.oneAtoms + 1...10 * Rate.oneAtoms, what: "a shock above -1"))
                } ?? [Rate("-0.25")!, .zero, Rate("0.25")!]
            if shocks.isEmpty { throw InputError(entry.child("volatilityShocks"), "expected at least one shock") }
            let count = try g.moves?.integer(in: 1...Int64(Limits.portfolioScenarios)) ?? 21
            if Int(count) * shocks.count > Limits.portfolioScenarios {
                throw InputError(
                    entry.child("moves"),
                    "moves × volatility shocks is \(Int(count) * shocks.count); "
                        + "the engine takes at most \(Limits.portfolioScenarios) scenarios"
                )
            }
            let maxMove = try g.maxMove.map { try rate($0, in: 0...Rate.oneAtoms - 1, what: "a move below 1") }
            return PortfolioMarginRules.uniform(
                moves: Int(count), maxMove: Rate(atoms: maxMove ?? 160_000_000), volatilityShocks: shocks)
        case let other: throw InputError(entry.child("preset"), "expected paradex or uniform, got \(other)")
        }
    }

    static func span(_ s: Span) throws -> SpanMarginRules {
        var rules = SpanMarginRules.standard
        func set(_ field: NumberField?, _ target: inout Rate) throws {
            if let field { target = Rate(atoms: try rate(field, in: nil, what: "a decimal")) }
        }
        try set(s.priceScanRange, &rules.priceScanRange)
        try set(s.volatilityScanRange, &rules.volatilityScanRange)
        try set(s.extremeMove, &rules.extremeMove)
        try set(s.coveredFraction, &rules.coveredFraction)
        try set(s.shortOptionMinimum, &rules.shortOptionMinimum)
        if let days = s.lookaheadDays { rules.lookaheadDays = try days.integer(in: 0...30) }
        return rules
    }

    static func greeks(_ g: Greeks) throws -> GreeksMarginRules {
        var rules = GreeksMarginRules.standard
        if let v = g.deltaMove { rules.deltaMove = Rate(atoms: try rate(v, in: 0...Rate.oneAtoms, what: "a move")) }
        if let v = g.gammaMove { rules.gammaMove = Rate(atoms: try rate(v, in: 0...Rate.oneAtoms, what: "a move")) }
        if let v = g.volatilityShock {
            rules.volatilityShock = Rate(atoms: try rate(v, in: 0...Rate.oneAtoms, what: "a volatility shock"))
        }
        rules.vegaOffsetsAcrossExpiries = g.vegaOffsetsAcrossExpiries ?? false
        return rules
    }

    static func spread(_ entry: Located<Spread>) throws -> OptionPortfolio.Spread {
        let o = entry.value
        guard let first = o.first else { throw InputError(entry.child("first"), "required: an underlying's symbol") }
        guard let second = o.second else {
            throw InputError(entry.child("second"), "required: an underlying's symbol")
        }
        guard let creditRate = o.creditRate else { throw InputError(entry.child("creditRate"), "required") }
        func ratio(_ field: NumberField?) throws -> Rate {
            try field.map { Rate(atoms: try rate($0, in: 1...Int64.max, what: "a positive ratio")) } ?? .one
        }
        return OptionPortfolio.Spread(
            first: first, second: second, firstRatio: try ratio(o.firstRatio), secondRatio: try ratio(o.secondRatio),
            creditRate: Rate(atoms: try rate(creditRate, in: 0...Rate.oneAtoms, what: "a credit rate")))
    }

    /// A positive fixed-point decimal.
    static func positive(_ field: NumberField, scale: Int, what: String) throws -> Int64 {
        let atoms = try field.atoms(scale: scale, what: what)
        guard atoms > 0 else { throw InputError(field.path, "expected \(what) above 0") }
        return atoms
    }

    /// A `Rate` in atoms, inside `range` when one is given (the engine checks the rest, naming the field).
    static func rate(_ field: NumberField, in range: ClosedRange<Int64>?, what: String) throws -> Int64 {
        let atoms = try field.atoms(scale: Rate.scale, what: what)
        if let range, !range.contains(atoms) {
            throw InputError(
                field.path,
                "expected \(what) from \(Rate(atoms: range.lowerBound)) to \(Rate(atoms: range.upperBound)), "
                    + "got \(Rate(atoms: atoms))"
            )
        }
        return atoms
    }
}
