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
        let root = try JSONNode.parse(data).object(allowed: [
            "underlyings", "maintenanceFactor", "grid", "span", "greeks", "spreads", "correlationOffset",
        ])
        if root["correlationOffset"] != nil { throw InputError("correlationOffset", retired["correlationOffset"]!) }
        guard let list = root["underlyings"] else { throw InputError("underlyings", "required") }
        var portfolio = OptionPortfolio(underlyings: try list.array().map(underlying))
        guard !portfolio.underlyings.isEmpty else {
            throw InputError("underlyings", "expected at least one underlying")
        }
        let factor = try root["maintenanceFactor"].map {
            Rate(atoms: try rate($0, in: 1...Rate.oneAtoms, what: "a factor above 0"))
        }
        if let node = root["grid"] { portfolio.portfolio = try grid(node) }
        if let node = root["span"] { portfolio.span = try span(node) }
        if let node = root["greeks"] { portfolio.greeks = try greeks(node) }
        if let factor {
            portfolio.portfolio.maintenanceFactor = factor
            portfolio.span.maintenanceFactor = factor
            portfolio.greeks.maintenanceFactor = factor
        }
        portfolio.spreads = try root["spreads"]?.array().map(spread) ?? []
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

    static func underlying(_ node: JSONNode) throws -> OptionPortfolio.Underlying {
        let fields = try node.object(allowed: ["symbol", "spot", "rate", "linear", "options"])
        if fields["rate"] != nil { throw InputError("\(node.path).rate", retired["rate"]!) }
        guard let symbol = try fields["symbol"]?.string(), !symbol.isEmpty, symbol.utf8.count <= 32,
            !symbol.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw InputError("\(node.path).symbol", "required: 1 to 32 bytes of UTF-8, no control characters")
        }
        guard let spot = fields["spot"] else { throw InputError("\(node.path).spot", "required: the forward price") }
        return OptionPortfolio.Underlying(
            symbol: symbol, forward: Price(atoms: try positive(spot, scale: Price.scale, what: "a price")),
            linear: Quantity(atoms: try fields["linear"]?.atoms(scale: Quantity.scale, what: "a quantity") ?? 0),
            options: try fields["options"]?.array().map(option) ?? [])
    }

    static func option(_ node: JSONNode) throws -> OptionPortfolio.Option {
        let o = try node.object(allowed: ["right", "strike", "days", "volatility", "quantity", "dividend"])
        if o["dividend"] != nil { throw InputError("\(node.path).dividend", retired["dividend"]!) }
        guard let rightText = try o["right"]?.string(), let right = OptionTerms.Right(rawValue: rightText.lowercased())
        else {
            throw InputError("\(node.path).right", "expected call or put")
        }
        for key in ["strike", "days", "volatility", "quantity"] where o[key] == nil {
            throw InputError("\(node.path).\(key)", "required")
        }
        let daysText = try o["days"]!.decimalText()
        guard let days = Double(daysText), days.isFinite, days > 0, days <= 36_500 else {
            throw InputError("\(node.path).days", "expected days to expiry above 0 and at most 36500, got \(daysText)")
        }
        let seconds = Int64((days * 86_400).rounded())
        guard seconds > 0 else { throw InputError("\(node.path).days", "expected at least one second to expiry") }
        return OptionPortfolio.Option(
            right: right, strike: Price(atoms: try positive(o["strike"]!, scale: Price.scale, what: "a strike")),
            expirySeconds: seconds,
            volatility: Rate(
                atoms: try rate(o["volatility"]!, in: 1...Limits.volatilityMaximum.atoms, what: "a volatility")),
            quantity: Quantity(atoms: try o["quantity"]!.atoms(scale: Quantity.scale, what: "a quantity")))
    }

    static func grid(_ node: JSONNode) throws -> PortfolioMarginRules {
        let g = try node.object(allowed: ["preset", "maxMove", "moves", "volatilityShocks"])
        switch try g["preset"]?.string() ?? "paradex" {
        case "paradex":
            for key in ["maxMove", "moves", "volatilityShocks"] where g[key] != nil {
                throw InputError("\(node.path).\(key)", "only for the uniform preset")
            }
            return .deribitStyle
        case "uniform":
            let shocks =
                try g["volatilityShocks"]?.array().map {
                    Rate(atoms: try rate($0, in: -Rate.oneAtoms + 1...10 * Rate.oneAtoms, what: "a shock above -1"))
                } ?? [Rate("-0.25")!, .zero, Rate("0.25")!]
            if shocks.isEmpty { throw InputError("\(node.path).volatilityShocks", "expected at least one shock") }
            let count = try g["moves"]?.integer(in: 1...Int64(Limits.portfolioScenarios)) ?? 21
            if Int(count) * shocks.count > Limits.portfolioScenarios {
                throw InputError(
                    "\(node.path).moves",
                    "moves × volatility shocks is \(Int(count) * shocks.count); "
                        + "the engine takes at most \(Limits.portfolioScenarios) scenarios"
                )
            }
            let maxMove = try g["maxMove"].map { try rate($0, in: 0...Rate.oneAtoms - 1, what: "a move below 1") }
            return PortfolioMarginRules.uniform(
                moves: Int(count), maxMove: Rate(atoms: maxMove ?? 160_000_000), volatilityShocks: shocks)
        case let other: throw InputError("\(node.path).preset", "expected paradex or uniform, got \(other)")
        }
    }

    static func span(_ node: JSONNode) throws -> SpanMarginRules {
        let s = try node.object(allowed: [
            "priceScanRange", "volatilityScanRange", "extremeMove", "coveredFraction", "lookaheadDays",
            "shortOptionMinimum",
        ])
        var rules = SpanMarginRules.standard
        func set(_ key: String, _ target: inout Rate) throws {
            if let value = s[key] { target = Rate(atoms: try rate(value, in: nil, what: "a decimal")) }
        }
        try set("priceScanRange", &rules.priceScanRange)
        try set("volatilityScanRange", &rules.volatilityScanRange)
        try set("extremeMove", &rules.extremeMove)
        try set("coveredFraction", &rules.coveredFraction)
        try set("shortOptionMinimum", &rules.shortOptionMinimum)
        if let days = s["lookaheadDays"] { rules.lookaheadDays = try days.integer(in: 0...30) }
        return rules
    }

    static func greeks(_ node: JSONNode) throws -> GreeksMarginRules {
        let g = try node.object(allowed: ["deltaMove", "gammaMove", "volatilityShock", "vegaOffsetsAcrossExpiries"])
        var rules = GreeksMarginRules.standard
        if let v = g["deltaMove"] { rules.deltaMove = Rate(atoms: try rate(v, in: 0...Rate.oneAtoms, what: "a move")) }
        if let v = g["gammaMove"] { rules.gammaMove = Rate(atoms: try rate(v, in: 0...Rate.oneAtoms, what: "a move")) }
        if let v = g["volatilityShock"] {
            rules.volatilityShock = Rate(atoms: try rate(v, in: 0...Rate.oneAtoms, what: "a volatility shock"))
        }
        rules.vegaOffsetsAcrossExpiries = try g["vegaOffsetsAcrossExpiries"]?.bool() ?? false
        return rules
    }

    static func spread(_ node: JSONNode) throws -> OptionPortfolio.Spread {
        let o = try node.object(allowed: ["first", "second", "firstRatio", "secondRatio", "creditRate"])
        for key in ["first", "second", "creditRate"] where o[key] == nil {
            throw InputError(
                "\(node.path).\(key)", key == "creditRate" ? "required" : "required: an underlying's symbol")
        }
        func ratio(_ key: String) throws -> Rate {
            try o[key].map { Rate(atoms: try rate($0, in: 1...Int64.max, what: "a positive ratio")) } ?? .one
        }
        return OptionPortfolio.Spread(
            first: try o["first"]!.string(), second: try o["second"]!.string(), firstRatio: try ratio("firstRatio"),
            secondRatio: try ratio("secondRatio"),
            creditRate: Rate(atoms: try rate(o["creditRate"]!, in: 0...Rate.oneAtoms, what: "a credit rate")))
    }

    /// A positive fixed-point decimal.
    static func positive(_ node: JSONNode, scale: Int, what: String) throws -> Int64 {
        let atoms = try node.atoms(scale: scale, what: what)
        guard atoms > 0 else { throw InputError(node.path, "expected \(what) above 0") }
        return atoms
    }

    /// A `Rate` in atoms, inside `range` when one is given (the engine checks the rest, naming the field).
    static func rate(_ node: JSONNode, in range: ClosedRange<Int64>?, what: String) throws -> Int64 {
        let atoms = try node.atoms(scale: Rate.scale, what: what)
        if let range, !range.contains(atoms) {
            throw InputError(
                node.path,
                "expected \(what) from \(Rate(atoms: range.lowerBound)) to \(Rate(atoms: range.upperBound)), "
                    + "got \(Rate(atoms: atoms))"
            )
        }
        return atoms
    }
}
