import SolventCore
import SolventRisk

/// One option of a venue's chain as the study reads it (a Deribit snapshot row): the
/// instrument, its right, strike, expiry and years to it, the venue's mark IV and delta, the
/// underlying future's (or synthetic forward's) price for the expiry, the spot index, and the
/// venue's mark in coin (Deribit's inverse convention).
public struct OptionQuote: Sendable {
    public var instrument: String
    public var currency: String
    public var right: OptionRight
    public var strike: Double
    /// The expiry as the venue writes it; quotes of one expiry share it.
    public var expiry: String
    public var years: Double
    public var volatility: Double
    public var delta: Double
    public var forward: Double
    public var index: Double
    public var markInCoin: Double

    public init(
        instrument: String, currency: String, right: OptionRight, strike: Double, expiry: String, years: Double,
        volatility: Double, delta: Double, forward: Double, index: Double, markInCoin: Double
    ) {
        (self.instrument, self.currency, self.right, self.strike, self.expiry, self.years) =
            (instrument, currency, right, strike, expiry, years)
        (self.volatility, self.delta, self.forward, self.index, self.markInCoin) =
            (volatility, delta, forward, index, markInCoin)
    }
}

/// The option study: five real books built from a chain by rules, not by hand, each margined by
/// the engine under the four option models (`OptionPortfolioMargin`), so that any snapshot gives
/// them:
///
/// - front expiry: the one closest to 30 days (at least 7); near: closest to 7 days (at least 2,
///   before the front); far: closest to 90 days, after the front;
/// - short strangle: sell the front's put and call whose venue deltas are nearest −0.25 and +0.25;
/// - calendar spread: sell the near call, buy the far call, at the common strike nearest the
///   near forward;
/// - covered call: hold one coin (linear +1), sell the front's 25-delta call;
/// - delta-hedged short straddle: sell the front's call and put at the strike nearest its forward
///   (both quoted), hedged linearly by our Black-76 delta;
/// - naked short put: sell the front's 25-delta put.
///
/// One contract is one coin. The engine values every option of an underlying on one forward, the
/// underlying's mark: each book's is the chain's future for its first leg's expiry (the front
/// for every book but the calendar spread, whose short near leg sets it), each option at the
/// venue's mark IV. Inputs are taken to the engine's precision (forward and hedge to 8 decimals,
/// volatility to 9, expiry to the second) before anything is valued, so the study's own
/// revaluation and the engine see the same book. Every figure is in USD.
public struct OptionStudy: Sendable {
    public struct Book: Sendable {
        public var name: String
        /// The options as the venue's instrument names with their quantities.
        public var legs: [(instrument: String, quantity: Double)]
        /// Whether `underlying.linear` is the delta hedge (rather than a holding).
        public var hedged: Bool
        public var underlying: Underlying
        /// The Paradex-grid scenarios of weight 1 (±16 % × volatility up and down), worst loss,
        /// by full revaluation here (not through the margin models): portfolio margin must never
        /// be below it.
        public var worstCoreLoss: Double
    }

    /// A book's underlying as the study values it: the forward, the linear quantity and the
    /// options (Black–Scholes with rate and carry 0 on the forward, that is Black-76).
    public struct Underlying: Sendable {
        public var symbol: String
        public var spot: Double
        public var linear: Double
        public var options: [(option: EuropeanOption, quantity: Double)]

        /// The same book in the engine's fixed point (`OptionPortfolioMargin`'s input); nil when a
        /// figure does not fit it.
        public var portfolio: OptionPortfolio? {
            func atoms(_ value: Double, _ scale: Double) -> Int64? {
                let scaled = (value * scale).rounded()
                return scaled.isFinite && abs(scaled) < 9.0e18 ? Int64(scaled) : nil
            }
            guard let forward = atoms(spot, 1e8), let linear = atoms(linear, 1e8) else { return nil }
            var converted: [OptionPortfolio.Option] = []
            for (option, quantity) in options {
                guard let strike = atoms(option.strike, 1e8), let seconds = atoms(option.years * 365 * 86_400, 1),
                    let volatility = atoms(option.volatility, 1e9), let size = atoms(quantity, 1e8)
                else { return nil }
                converted.append(
                    OptionPortfolio.Option(
                        right: option.right == .call ? .call : .put, strike: Price(atoms: strike),
                        expirySeconds: seconds, volatility: Rate(atoms: volatility), quantity: Quantity(atoms: size)))
            }
            return OptionPortfolio(underlyings: [
                OptionPortfolio.Underlying(
                    symbol: symbol, forward: Price(atoms: forward), linear: Quantity(atoms: linear),
                    options: converted)
            ])
        }
    }

    public struct Row: Sendable {
        public var currency: String
        public var book: Book
        /// The engine's margin of the book under each model, in `OptionPortfolioMargin.models` order.
        public var margins: [OptionPortfolioMargin]

        /// A model's initial and maintenance margin in USD.
        public func margin(_ model: AccountMarginModel) -> (initial: Double, maintenance: Double) {
            let margin = margins.first { $0.model == model }!
            return (OptionStudy.usd(margin.initial), OptionStudy.usd(margin.maintenance))
        }

        /// The portfolio model's worst scenario, if any scenario loses.
        public var worstScenario: UnderlyingRisk.Scenario? {
            guard let risk = margins.first(where: { $0.model == .portfolio })?.lines.first?.risk,
                let worst = risk.worstScenario
            else { return nil }
            return risk.scenarios[worst]
        }
    }

    /// Why a chain gives no study: what the books need and the chain lacks, or a book the engine
    /// cannot value.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case missing(currency: String, what: String)
        case unvalued(currency: String, book: String, reason: String)
        public var description: String {
            switch self {
            case .missing(let currency, let what):
                return "\(currency): no \(what) in the snapshot to build the study's books"
            case .unvalued(let currency, let book, let reason): return "\(currency) \(book): \(reason)"
            }
        }
    }

    /// Each currency's spot index (the first quote's), in the order the currencies first appear.
    public var index: [(currency: String, price: Double)]
    public var rows: [Row]

    static func usd(_ amount: Amount) -> Double {
        Double(amount.atoms) / Double(FixedPoint.powersOfTen[OptionPortfolioMargin.usdScale])
    }

    /// The five books of each currency in the quotes (currencies sorted), margined under every model.
    public static func run(_ quotes: [OptionQuote]) -> Result<OptionStudy, Failure> {
        var currencies: [String] = []
        for quote in quotes where !currencies.contains(quote.currency) { currencies.append(quote.currency) }
        currencies.sort()
        var study = OptionStudy(index: [], rows: [])
        for currency in currencies {
            let chain = quotes.filter { $0.currency == currency }
            study.index.append((currency, chain[0].index))
            let books: [Book]
            switch Self.books(chain, currency: currency) {
            case .failure(let failure): return .failure(failure)
            case .success(let value): books = value
            }
            for book in books {
                guard book.worstCoreLoss.isFinite, let portfolio = book.underlying.portfolio else {
                    return .failure(
                        .unvalued(
                            currency: currency, book: book.name,
                            reason: "the quotes give figures beyond the engine's fixed point"))
                }
                var margins: [OptionPortfolioMargin] = []
                for model in OptionPortfolioMargin.models {
                    switch OptionPortfolioMargin.evaluate(portfolio, model: model) {
                    case .failure(let failure):
                        return .failure(
                            .unvalued(
                                currency: currency, book: book.name, reason: "the \(model.rawValue) model: \(failure)"))
                    case .success(let margin): margins.append(margin)
                    }
                }
                study.rows.append(Row(currency: currency, book: book, margins: margins))
            }
        }
        return .success(study)
    }

    /// The largest loss over the grid's full-weight scenarios, each option revalued by the
    /// scalar Black–Scholes price at the moved spot and shocked volatility.
    static func worstCoreLoss(_ underlying: Underlying) -> Double {
        let grid = ScenarioGrid.paradex()
        var worst = 0.0
        for scenario in grid.scenarios where scenario.weight == 1 {
            var pnl = underlying.linear * underlying.spot * scenario.spotMove
            for (option, quantity) in underlying.options {
                var moved = option
                moved.spot *= 1 + scenario.spotMove
                moved.volatility = grid.shockedVolatility(
                    option.volatility, shock: scenario.volatilityShock, days: option.years * 365)
                pnl += quantity * (BlackScholes.price(moved) - BlackScholes.price(option))
            }
            worst = max(worst, -pnl)
        }
        return worst
    }
}
