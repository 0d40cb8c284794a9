import SolventCore

/// An option portfolio as a risk desk writes it down: per underlying, its forward, a linear
/// quantity (perpetuals or futures) and European cash-settled options with their quoted
/// volatilities; plus the venue's model rules. `OptionPortfolioMargin.evaluate` margins it with
/// the engine itself, so the figures are the ones an account holding these positions is charged.
public struct OptionPortfolio: Sendable {
    public struct Option: Sendable {
        public var right: OptionTerms.Right
        public var strike: Price
        /// Time to expiry in seconds from the valuation.
        public var expirySeconds: Int64
        public var volatility: Rate
        /// Contracts of one unit of the underlying; negative: short.
        public var quantity: Quantity
        public init(
            right: OptionTerms.Right, strike: Price, expirySeconds: Int64, volatility: Rate, quantity: Quantity
        ) {
            (self.right, self.strike, self.expirySeconds, self.volatility, self.quantity) =
                (right, strike, expirySeconds, volatility, quantity)
        }
    }

    public struct Underlying: Sendable {
        public var symbol: String
        /// The underlying's mark: the forward every option on it is valued at (Black-76, no discounting).
        public var forward: Price
        public var linear: Quantity
        public var options: [Option]
        public init(symbol: String, forward: Price, linear: Quantity = .zero, options: [Option] = []) {
            (self.symbol, self.forward, self.linear, self.options) = (symbol, forward, linear, options)
        }
    }

    /// An inter-commodity spread between two underlyings, by symbol.
    public struct Spread: Sendable {
        public var first: String
        public var second: String
        public var firstRatio: Rate
        public var secondRatio: Rate
        public var creditRate: Rate
        public init(first: String, second: String, firstRatio: Rate = .one, secondRatio: Rate = .one, creditRate: Rate)
        {
            (self.first, self.second, self.firstRatio, self.secondRatio, self.creditRate) =
                (first, second, firstRatio, secondRatio, creditRate)
        }
    }

    public var underlyings: [Underlying]
    public var portfolio = PortfolioMarginRules.deribitStyle
    public var span = SpanMarginRules.standard
    public var greeks = GreeksMarginRules.standard
    public var spreads: [Spread] = []
    /// The standard model's flat rates on the linear quantity (one tier, no cap).
    public var linearInitialRate = Rate(atoms: 10_000_000)
    public var linearMaintenanceRate = Rate(atoms: 5_000_000)

    public init(underlyings: [Underlying]) { self.underlyings = underlyings }
}

/// The engine's margin of an `OptionPortfolio` under one account model, per underlying and in
/// total. The portfolio is built as a venue: a USD settlement asset (6 decimals), a perpetual per
/// underlying marked at its forward, an option market per distinct option (premium in USD) with
/// each expiry's quoted volatilities published as the underlying's smile, and one account
/// holding every position, imported at the marks. Nothing here computes a requirement: the
/// total is the engine's margin report, the lines its per-underlying groups (`UnderlyingRisk`)
/// or, under the standard model, its per-position requirements summed by underlying.
public struct OptionPortfolioMargin: Sendable {
    public struct Line: Sendable {
        public var symbol: String
        public var initial: Amount
        public var maintenance: Amount
        /// The engine's figures behind the line (portfolio, SPAN and Greeks models).
        public var risk: UnderlyingRisk?
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case invalid(field: String, reason: String)
        public var description: String {
            switch self {
            case .invalid(let field, let reason): return "\(field): \(reason)"
            }
        }
    }

    public static let models: [AccountMarginModel] = [.standard, .portfolio, .span, .greeks]
    public static let usd = AssetID(1)
    public static let usdScale = Value.scale
    static let account = AccountID(1)
    static let valuationTime = Timestamp(nanoseconds: 1_000_000_000)

    public var model: AccountMarginModel
    public var lines: [Line]
    public var initial: Amount
    public var maintenance: Amount

    public static func evaluate(_ portfolio: OptionPortfolio, model: AccountMarginModel) -> Result<Self, Failure> {
        guard models.contains(model) else {
            return .failure(
                .invalid(field: "model", reason: "one of \(models.map(\.rawValue).joined(separator: ", "))"))
        }
        var venue = Venue()
        do {
            try venue.build(portfolio, model: model)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.invalid(field: "underlyings", reason: "\(error)"))
        }
        let engine = venue.engine
        func unvalued(_ error: RiskError) -> Failure {
            .invalid(field: "underlyings", reason: "the engine cannot value these positions: \(error)")
        }
        guard let reportResult = engine.marginReport(of: account, includingPrices: false) else {
            return .failure(.invalid(field: "account", reason: "missing"))
        }
        let report: MarginReport
        switch reportResult {
        case .failure(let error): return .failure(unvalued(error))
        case .success(let value): report = value
        }
        var lines = portfolio.underlyings.map {
            Line(symbol: $0.symbol, initial: .zero, maintenance: .zero, risk: nil)
        }
        if model == .standard {
            for position in report.positions {
                let line = venue.underlyingOfMarket[position.market]!
                lines[line].initial = Amount(atoms: lines[line].initial.atoms + position.initialMargin.atoms)
                lines[line].maintenance = Amount(
                    atoms: lines[line].maintenance.atoms + position.maintenanceMargin.atoms)
            }
        } else {
            switch engine.underlyingRisk(of: account)! {
            case .failure(let error): return .failure(unvalued(error))
            case .success(let groups):
                for group in groups {
                    let line = venue.underlyingOfMarket[group.underlying]!
                    lines[line] = Line(
                        symbol: lines[line].symbol, initial: Amount(atoms: group.initial),
                        maintenance: Amount(atoms: group.maintenance), risk: group)
                }
            }
        }
        // The settlement asset is USD at 1, so value atoms are its atoms.
        return .success(
            OptionPortfolioMargin(
                model: model, lines: lines, initial: Amount(atoms: report.initialMargin.atoms),
                maintenance: Amount(atoms: report.maintenanceMargin.atoms)))
    }
}

/// The venue `OptionPortfolioMargin` builds, command by command through the engine.
private struct Venue {
    var engine = Engine()
    var sequence: UInt64 = 0
    /// Line (underlying index) of every market.
    var underlyingOfMarket: [MarketID: Int] = [:]

    typealias Failure = OptionPortfolioMargin.Failure
    var positions = 0

    /// One more position in the account, within the engine's limit.
    mutating func countPosition(field: String) throws {
        positions += 1
        guard positions <= Limits.positionsPerAccount else {
            throw Failure.invalid(
                field: field,
                reason:
                    "at most \(Limits.positionsPerAccount) positions in one portfolio (one engine account): "
                    + "distinct options and linear holdings together")
        }
    }

    mutating func run(_ command: Command, field: String) throws {
        sequence += 1
        let input = SequencedInput(
            sequence: sequence, timestamp: OptionPortfolioMargin.valuationTime, commandID: nil, command: command)
        if let rejection = engine.execute(input).rejection {
            // A rule's field is the file's field under the rules' key ("span.priceScanRange").
            if rejection.field.hasPrefix("rules.") {
                let name = rejection.field.dropFirst("rules.".count)
                throw Failure.invalid(
                    field: field.isEmpty ? String(name) : "\(field).\(name)", reason: rejection.message)
            }
            let detail = rejection.field.isEmpty ? "" : "\(rejection.field): "
            throw Failure.invalid(field: field, reason: "\(detail)\(rejection.message)")
        }
    }

    mutating func build(_ portfolio: OptionPortfolio, model: AccountMarginModel) throws {
        let usd = OptionPortfolioMargin.usd
        let account = OptionPortfolioMargin.account
        guard !portfolio.underlyings.isEmpty else {
            throw Failure.invalid(field: "underlyings", reason: "expected at least one underlying")
        }
        try run(.createAsset(AssetSpec(id: usd, symbol: "USD", scale: OptionPortfolioMargin.usdScale)), field: "USD")
        try run(.setIndexPrice(asset: usd, price: Price(atoms: 100_000_000)), field: "USD")
        let tiers: RiskTierTable
        switch RiskTierTable.make(tiers: [
            RiskTier(
                notionalCap: nil, initialRate: portfolio.linearInitialRate,
                maintenanceRate: portfolio.linearMaintenanceRate)
        ]) {
        case .failure(let error): throw Failure.invalid(field: "linearRates", reason: "\(error)")
        case .success(let table): tiers = table
        }
        let parameters = RiskParameters(margin: .tiered(tiers))
        try run(.openAccount(account), field: "account")
        try run(.configurePortfolioMargin(portfolio.portfolio), field: "grid")
        try run(.configureSpanMargin(portfolio.span), field: "span")
        try run(.configureGreeksMargin(portfolio.greeks), field: "greeks")
        try run(.setMarginModel(account: account, model), field: "model")
        var nextMarket: UInt32 = 1
        var perps: [String: MarketID] = [:]
        for (u, underlying) in portfolio.underlyings.enumerated() {
            let at = "underlyings[\(u)]"
            if perps[underlying.symbol] != nil {
                throw Failure.invalid(field: "\(at).symbol", reason: "\(underlying.symbol) is given twice")
            }
            let perp = MarketID(nextMarket)
            nextMarket += 1
            perps[underlying.symbol] = perp
            underlyingOfMarket[perp] = u
            try run(
                .createMarket(
                    MarketSpec(
                        id: perp, symbol: underlying.symbol, kind: .linear, settleAsset: usd,
                        contractSize: Quantity(atoms: 100_000_000), tickSize: Price(atoms: 1),
                        lotSize: Quantity(atoms: 1)), parameters), field: "\(at).symbol")
            try run(.setMarkPrice(market: perp, mark: underlying.forward, index: nil), field: "\(at).spot")
            try addOptions(underlying, at: at, perp: perp, line: u, parameters: parameters, next: &nextMarket)
            if underlying.linear.atoms != 0 {
                try countPosition(field: "\(at).linear")
                try run(
                    .importPosition(
                        account: account, market: perp, size: underlying.linear, entryPrice: underlying.forward,
                        isolatedMargin: nil), field: "\(at).linear")
            }
        }
        var spreads: [SpreadCreditRules.Spread] = []
        for (index, spread) in portfolio.spreads.enumerated() {
            func leg(_ symbol: String, _ name: String) throws -> MarketID {
                guard let market = perps[symbol] else {
                    throw Failure.invalid(field: "spreads[\(index)].\(name)", reason: "no underlying \(symbol)")
                }
                return market
            }
            spreads.append(
                .init(
                    first: try leg(spread.first, "first"), second: try leg(spread.second, "second"),
                    firstRatio: spread.firstRatio, secondRatio: spread.secondRatio, creditRate: spread.creditRate))
        }
        if !spreads.isEmpty { try run(.configureSpreadCredits(SpreadCreditRules(spreads: spreads)), field: "") }
    }

    /// One option market per distinct (right, strike, expiry), the expiry's quoted volatilities as
    /// the smile, and the options' positions (quantities of the same option add up).
    mutating func addOptions(
        _ underlying: OptionPortfolio.Underlying, at: String, perp: MarketID, line: Int, parameters: RiskParameters,
        next: inout UInt32
    ) throws {
        let account = OptionPortfolioMargin.account
        let smiles = try Self.smiles(underlying, at: at)
        var markets: [(key: OptionKey, id: MarketID, size: Int64, path: String)] = []
        for (o, option) in underlying.options.enumerated() {
            let path = "\(at).options[\(o)]"
            let key = OptionKey(right: option.right, strike: option.strike.atoms, expiry: option.expirySeconds)
            if let index = markets.firstIndex(where: { $0.key == key }) {
                let (sum, overflow) = markets[index].size.addingReportingOverflow(option.quantity.atoms)
                if overflow { throw Failure.invalid(field: "\(path).quantity", reason: "too large") }
                markets[index].size = sum
                continue
            }
            guard Int(next) <= Limits.markets else {
                throw Failure.invalid(field: path, reason: "at most \(Limits.markets) markets")
            }
            markets.append((key, MarketID(next), option.quantity.atoms, path))
            next += 1
        }
        for (id, market) in markets.map({ ($0.id, $0) }) {
            underlyingOfMarket[id] = line
            let expiry = Timestamp(
                nanoseconds: OptionPortfolioMargin.valuationTime.nanoseconds + market.key.expiry * 1_000_000_000)
            try run(
                .createMarket(
                    MarketSpec(
                        id: id, symbol: "O\(id)", kind: .linear, expiry: expiry,
                        settleAsset: OptionPortfolioMargin.usd, contractSize: Quantity(atoms: 100_000_000),
                        tickSize: Price(atoms: 1), lotSize: Quantity(atoms: 1),
                        option: OptionTerms(
                            right: market.key.right, strike: Price(atoms: market.key.strike), underlying: perp,
                            premium: .quote)),
                    parameters), field: market.path)
        }
        for (expiry, quoted) in smiles {
            let points = quoted.sorted { $0.strike < $1.strike }
            try run(
                .setVolatilitySmile(
                    underlying: perp,
                    VolatilitySmile(
                        expiry: Timestamp(
                            nanoseconds: OptionPortfolioMargin.valuationTime.nanoseconds + expiry * 1_000_000_000),
                        strikes: points.map { Price(atoms: $0.strike) }, volatilities: points.map(\.volatility))),
                field: points[0].path)
        }
        for market in markets where market.size != 0 {
            try countPosition(field: "\(market.path).quantity")
            try run(
                .importPosition(
                    account: account, market: market.id, size: Quantity(atoms: market.size),
                    entryPrice: Price(atoms: max(1, engine.market(market.id)!.mark)), isolatedMargin: nil),
                field: "\(market.path).quantity")
        }
    }

    /// Each expiry's quoted strikes and volatilities, expiries in the order they first appear,
    /// within the engine's smile limits: one volatility per strike and expiry.
    static func smiles(
        _ underlying: OptionPortfolio.Underlying, at: String
    ) throws -> [(expiry: Int64, points: [(strike: Int64, volatility: Rate, path: String)])] {
        var smiles: [(expiry: Int64, points: [(strike: Int64, volatility: Rate, path: String)])] = []
        for (o, option) in underlying.options.enumerated() {
            let path = "\(at).options[\(o)]"
            guard option.expirySeconds > 0, option.expirySeconds <= 100 * 365 * 86_400 else {
                throw Failure.invalid(field: "\(path).days", reason: "an expiry after the valuation, within 100 years")
            }
            guard let index = smiles.firstIndex(where: { $0.expiry == option.expirySeconds }) else {
                guard smiles.count < Limits.smilesPerUnderlying else {
                    throw Failure.invalid(
                        field: "\(path).days",
                        reason: "at most \(Limits.smilesPerUnderlying) expiries per underlying (the engine's smiles)")
                }
                smiles.append((option.expirySeconds, [(option.strike.atoms, option.volatility, "\(path).volatility")]))
                continue
            }
            if let quoted = smiles[index].points.first(where: { $0.strike == option.strike.atoms }) {
                guard quoted.volatility == option.volatility else {
                    throw Failure.invalid(
                        field: "\(path).volatility",
                        reason:
                            "\(quoted.path) quotes \(quoted.volatility) at this strike and expiry; "
                            + "the engine's smile has one volatility per strike")
                }
                continue
            }
            guard smiles[index].points.count < Limits.smilePoints else {
                throw Failure.invalid(
                    field: "\(path).strike",
                    reason: "at most \(Limits.smilePoints) strikes per expiry (the engine's smile)")
            }
            smiles[index].points.append((option.strike.atoms, option.volatility, "\(path).volatility"))
        }
        return smiles
    }

    struct OptionKey: Hashable {
        var right: OptionTerms.Right
        var strike: Int64
        var expiry: Int64
    }
}
