import Foundation
import SolventRisk

/// An option portfolio for `solvent margin --model standard|portfolio|span|greeks`: per
/// underlying, its spot (or forward) and rate, options (European, cash-settled) and a linear
/// quantity of the underlying (perpetuals and futures), plus the models' parameters. Risk figures
/// in the underlying's quote currency (USD). The schema is in docs/margin.md.
public struct OptionPortfolioFile: Sendable {
    public struct Underlying: Sendable {
        public var symbol: String
        public var spot: Double
        public var rate: Double
        public var linear: Double
        public var options: [(option: EuropeanOption, quantity: Double)]

        public init(
            symbol: String, spot: Double, rate: Double = 0, linear: Double = 0,
            options: [(option: EuropeanOption, quantity: Double)]
        ) {
            (self.symbol, self.spot, self.rate, self.linear, self.options) = (symbol, spot, rate, linear, options)
        }
    }

    public var underlyings: [Underlying]
    /// Share of the non-largest underlyings' requirements forgiven for diversification (0: a plain sum).
    public var correlationOffset: Double
    /// Maintenance = initial × this factor (scenario, SPAN and Greeks models).
    public var maintenanceFactor: Double
    public var grid: ScenarioGrid
    /// SPAN's price scan range as a fraction of spot, and its other parameters.
    public var spanPriceScanFraction: Double
    public var span: Span.Parameters
    public var greeks: GreeksMargin.Parameters
    /// SPAN inter-commodity spread credits between underlyings (indexes into `underlyings`), in
    /// priority order; deltas are value deltas (spot × net delta). Exclusive with `correlationOffset`.
    public var spreads: [InterCommoditySpread.Spread] = []

    /// A portfolio with every model parameter at the file format's default (docs/margin.md's
    /// schema): a plain sum across underlyings, maintenance 0.8 of initial (Deribit's
    /// `mm_factor`, as the engine's models), Paradex's grid,
    /// SPAN at 8 % of spot and ten volatility points, the default Greeks charges.
    public init(underlyings: [Underlying]) {
        self.underlyings = underlyings
        correlationOffset = 0
        maintenanceFactor = 0.8
        grid = .paradex()
        spanPriceScanFraction = 0.08
        span = Span.Parameters(priceScanRange: 1, volatilityScanRange: 0.10)
        greeks = GreeksMargin.Parameters()
    }

    init(
        underlyings: [Underlying], correlationOffset: Double, maintenanceFactor: Double, grid: ScenarioGrid,
        spanPriceScanFraction: Double, span: Span.Parameters, greeks: GreeksMargin.Parameters
    ) {
        self.init(underlyings: underlyings)
        self.correlationOffset = correlationOffset
        self.maintenanceFactor = maintenanceFactor
        self.grid = grid
        self.spanPriceScanFraction = spanPriceScanFraction
        self.span = span
        self.greeks = greeks
    }

    /// Whether a JSON file is an option portfolio (it has `underlyings`).
    public static func isOptionPortfolio(_ data: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["underlyings"] != nil
    }

    public static func parse(_ data: Data) throws -> OptionPortfolioFile {
        let root = try JSONNode.parse(data).object(allowed: [
            "underlyings", "correlationOffset", "maintenanceFactor", "grid", "span", "greeks", "spreads",
        ])
        guard let list = root["underlyings"] else { throw InputError("underlyings", "required") }
        func number(_ node: JSONNode?, _ fallback: Double, in range: ClosedRange<Double>, what: String) throws -> Double
        {
            guard let node else { return fallback }
            let text = try node.decimalText()
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw InputError(
                    node.path, "expected \(what) from \(range.lowerBound) to \(range.upperBound), got \(text)")
            }
            return value
        }
        var underlyings: [Underlying] = []
        for node in try list.array() {
            let fields = try node.object(allowed: ["symbol", "spot", "rate", "linear", "options"])
            guard let symbol = try fields["symbol"]?.string(), !symbol.isEmpty else {
                throw InputError("\(node.path).symbol", "required")
            }
            if underlyings.contains(where: { $0.symbol == symbol }) {
                throw InputError("\(node.path).symbol", "\(symbol) is given twice")
            }
            guard fields["spot"] != nil else {
                throw InputError("\(node.path).spot", "required: the spot or forward price")
            }
            let spot = try number(fields["spot"], 0, in: 1e-12...1e15, what: "a positive price")
            let rate = try number(fields["rate"], 0, in: -1...1, what: "a rate")
            let linear = try number(fields["linear"], 0, in: -1e12...1e12, what: "a quantity of the underlying")
            var options: [(EuropeanOption, Double)] = []
            for optionNode in try fields["options"]?.array() ?? [] {
                let o = try optionNode.object(allowed: [
                    "right", "strike", "days", "volatility", "quantity", "dividend",
                ])
                guard let rightText = try o["right"]?.string(),
                    let right = OptionRight(rawValue: rightText.lowercased())
                else {
                    throw InputError("\(optionNode.path).right", "expected call or put")
                }
                for key in ["strike", "days", "volatility", "quantity"] where o[key] == nil {
                    throw InputError("\(optionNode.path).\(key)", "required")
                }
                let option = EuropeanOption(
                    right: right, spot: spot,
                    strike: try number(o["strike"], 0, in: 1e-12...1e15, what: "a positive strike"),
                    years: try number(o["days"], 0, in: 0...36_500, what: "days to expiry") / 365,
                    volatility: try number(o["volatility"], 0, in: 0...20, what: "a volatility"),
                    rate: rate, dividend: try number(o["dividend"], rate, in: -1...1, what: "a dividend yield"))
                options.append((option, try number(o["quantity"], 0, in: -1e12...1e12, what: "a quantity")))
            }
            underlyings.append(Underlying(symbol: symbol, spot: spot, rate: rate, linear: linear, options: options))
        }
        guard !underlyings.isEmpty else { throw InputError("underlyings", "expected at least one underlying") }
        var grid = ScenarioGrid.paradex()
        if let node = root["grid"] {
            let g = try node.object(allowed: ["preset", "maxMove", "moves", "volatilityShocks"])
            switch try g["preset"]?.string() ?? "paradex" {
            case "paradex": break
            case "uniform":
                let shocks =
                    try g["volatilityShocks"]?.array().map {
                        try number($0, 0, in: -0.99...10, what: "a volatility shock")
                    } ?? [-0.25, 0, 0.25]
                grid = .uniform(
                    moves: Int(try g["moves"]?.integer(in: 1...1_001) ?? 21),
                    maxMove: try number(g["maxMove"], 0.16, in: 0...0.99, what: "a move"), volatilityShocks: shocks)
            case let other: throw InputError("\(node.path).preset", "expected paradex or uniform, got \(other)")
            }
        }
        var span = Span.Parameters(priceScanRange: 1, volatilityScanRange: 0.10)
        var spanFraction = 0.08
        if let node = root["span"] {
            let s = try node.object(allowed: [
                "priceScanFraction", "volatilityScanRange", "extremeMove", "coveredFraction", "lookaheadDays",
                "shortOptionMinimum",
            ])
            spanFraction = try number(s["priceScanFraction"], 0.08, in: 0...1, what: "a fraction of spot")
            span.volatilityScanRange = try number(s["volatilityScanRange"], 0.10, in: 0...5, what: "a volatility range")
            span.extremeMove = try number(s["extremeMove"], 3, in: 0...20, what: "a multiple of the range")
            span.coveredFraction = try number(s["coveredFraction"], 0.35, in: 0...1, what: "a fraction")
            span.lookaheadYears = try number(s["lookaheadDays"], 1, in: 0...365, what: "days") / 365
            span.shortOptionMinimumRate = try number(
                s["shortOptionMinimum"], 0, in: 0...1e12, what: "a charge per short option")
        }
        var greeks = GreeksMargin.Parameters()
        if let node = root["greeks"] {
            let g = try node.object(allowed: ["deltaMove", "gammaMove", "volatilityShock", "vegaOffsetsAcrossExpiries"])
            greeks.deltaMove = try number(g["deltaMove"], greeks.deltaMove, in: 0...1, what: "a move")
            greeks.gammaMove = try number(g["gammaMove"], greeks.gammaMove, in: 0...1, what: "a move")
            greeks.volatilityShock = try number(
                g["volatilityShock"], greeks.volatilityShock, in: 0...5, what: "a volatility shock")
            greeks.vegaOffsetsAcrossExpiries = try g["vegaOffsetsAcrossExpiries"]?.bool() ?? false
        }
        var spreads: [InterCommoditySpread.Spread] = []
        for node in try root["spreads"]?.array() ?? [] {
            let o = try node.object(allowed: ["first", "second", "firstRatio", "secondRatio", "creditRate"])
            func leg(_ key: String) throws -> Int {
                guard let symbol = try o[key]?.string() else {
                    throw InputError("\(node.path).\(key)", "required: an underlying's symbol")
                }
                guard let index = underlyings.firstIndex(where: { $0.symbol == symbol }) else {
                    throw InputError("\(node.path).\(key)", "no underlying \(symbol)")
                }
                return index
            }
            let (first, second) = (try leg("first"), try leg("second"))
            if first == second { throw InputError("\(node.path).second", "a spread needs two different underlyings") }
            guard o["creditRate"] != nil else { throw InputError("\(node.path).creditRate", "required") }
            spreads.append(
                .init(
                    first: first, second: second,
                    firstRatio: try number(o["firstRatio"], 1, in: 1e-12...1e12, what: "a positive ratio"),
                    secondRatio: try number(o["secondRatio"], 1, in: 1e-12...1e12, what: "a positive ratio"),
                    creditRate: try number(o["creditRate"], 0, in: 0...1, what: "a credit rate")))
        }
        let offset = try number(root["correlationOffset"], 0, in: 0...1, what: "a fraction")
        if offset > 0 && !spreads.isEmpty {
            throw InputError("spreads", "give either spreads or correlationOffset, not both")
        }
        var file = OptionPortfolioFile(
            underlyings: underlyings, correlationOffset: offset,
            maintenanceFactor: try number(root["maintenanceFactor"], 0.8, in: 0...1, what: "a factor"),
            grid: grid, spanPriceScanFraction: spanFraction, span: span, greeks: greeks)
        file.spreads = spreads
        return file
    }
}
