import Foundation
import RealModule
import SolventCore
import SolventRisk
import SolventSimulation

/// The option study (`solvent option-study`): a few real books built from a Deribit snapshot, each margined under the four
/// option models side by side. The books are picked from the chain by rules, not by hand, so
/// that any snapshot gives them:
///
/// - front expiry: the one closest to 30 days (at least 7); near: closest to 7 days (at least 2,
///   before the front); far: closest to 90 days, after the front;
/// - short strangle: sell the front's put and call whose Deribit deltas are nearest −0.25 and +0.25;
/// - calendar spread: sell the near call, buy the far call, at the common strike nearest the
///   near forward;
/// - covered call: hold one coin (linear +1), sell the front's 25-delta call;
/// - delta-hedged short straddle: sell the front's call and put at the strike nearest its forward
///   (both quoted), hedged linearly by our Black-76 delta;
/// - naked short put: sell the front's 25-delta put.
///
/// One contract is one coin. The engine values every option of an underlying on one forward, the
/// underlying's mark: each book's is the snapshot's future for its first leg's expiry (the front
/// for every book but the calendar spread, whose short near leg sets it), and each option is at
/// Deribit's mark IV. Inputs are taken to the engine's precision (forward and hedge to 8
/// decimals, volatility to 9, expiry to the second) before anything is valued, so the study's
/// own revaluation and the engine see the same book. Every figure is in USD.
public struct OptionStudy {
    public struct Book {
        public var name: String
        /// The legs as Deribit instrument names with their quantities, and the linear hedge.
        public var legs: [String]
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

        /// The same book in the engine's fixed point (`OptionPortfolioMargin`'s input).
        public var portfolio: OptionPortfolio {
            OptionPortfolio(underlyings: [
                OptionPortfolio.Underlying(
                    symbol: symbol, forward: Price(atoms: Int64((spot * 1e8).rounded())),
                    linear: Quantity(atoms: Int64((linear * 1e8).rounded())),
                    options: options.map { entry in
                        OptionPortfolio.Option(
                            right: entry.option.right == .call ? .call : .put,
                            strike: Price(atoms: Int64((entry.option.strike * 1e8).rounded())),
                            expirySeconds: Int64((entry.option.years * 365 * 86_400).rounded()),
                            volatility: Rate(atoms: Int64((entry.option.volatility * 1e9).rounded())),
                            quantity: Quantity(atoms: Int64((entry.quantity * 1e8).rounded())))
                    })
            ])
        }
    }

    public struct Row {
        public var currency: String
        public var book: Book
        public var margins: [(model: AccountMarginModel, initial: Double, maintenance: Double)]
        public var worstScenario: String

        public func margin(_ model: AccountMarginModel) -> (initial: Double, maintenance: Double) {
            let entry = margins.first { $0.model == model }!
            return (entry.initial, entry.maintenance)
        }
    }

    public var snapshot: String
    public var timestamp: String
    public var index: [String: Double]
    public var rows: [Row]

    /// The five books of each currency in the snapshot, margined under every model.
    public static func run(_ snapshot: DeribitSnapshot, name: String) throws -> OptionStudy {
        var rows: [Row] = []
        var index: [String: Double] = [:]
        for currency in snapshot.currencies {
            let quotes = snapshot.quotes.filter { $0.currency == currency }
            index[currency] = quotes[0].index
            for book in try books(quotes, currency: currency, name: name) {
                var margins: [(AccountMarginModel, Double, Double)] = []
                var worst = ""
                let portfolio = book.underlying.portfolio
                for model in OptionPortfolioMargin.models {
                    let margin: OptionPortfolioMargin
                    switch OptionPortfolioMargin.evaluate(portfolio, model: model) {
                    case .failure(let failure):
                        throw InputError("\(name): \(currency) \(book.name)", "the \(model.rawValue) model: \(failure)")
                    case .success(let value): margin = value
                    }
                    let report = OptionMarginReport(margin, portfolio: portfolio)
                    if let figure = report.nonFiniteFigure() {
                        throw InputError(
                            "\(name): \(currency) \(book.name)",
                            "the \(model.rawValue) model gives no finite \(figure) for the snapshot's quotes")
                    }
                    margins.append((model, Self.usd(margin.initial), Self.usd(margin.maintenance)))
                    if model == .portfolio, let risk = margin.lines.first?.risk, let w = risk.worstScenario {
                        worst = OptionMarginReport.label(risk.scenarios[w])
                    }
                }
                rows.append(Row(currency: currency, book: book, margins: margins, worstScenario: worst))
            }
        }
        return OptionStudy(snapshot: name, timestamp: snapshot.timestamp, index: index, rows: rows)
    }

    struct Chain {
        let spot: Double
        let expiries: [(expiry: String, years: Double, forward: Double)]
        let quotes: [DeribitSnapshot.Quote]

        func quotes(_ expiry: String, _ right: OptionRight) -> [DeribitSnapshot.Quote] {
            quotes.filter { $0.expiry == expiry && $0.right == right }.sorted { $0.strike < $1.strike }
        }

        /// The expiry closest to `days` among those passing `allowed`.
        func expiry(
            nearest days: Double, where allowed: (Double) -> Bool
        ) -> (expiry: String, years: Double, forward: Double)? {
            expiries.filter { allowed($0.years * 365) }.min { abs($0.years * 365 - days) < abs($1.years * 365 - days) }
        }

        func byDelta(_ expiry: String, _ right: OptionRight, _ target: Double) -> DeribitSnapshot.Quote? {
            quotes(expiry, right).min { abs($0.delta - target) < abs($1.delta - target) }
        }

        /// An option of a book valued on `forward`, at the engine's precision.
        func option(_ quote: DeribitSnapshot.Quote, forward: Double) -> EuropeanOption {
            EuropeanOption(
                right: quote.right, spot: forward, strike: quote.strike,
                years: (quote.years * 365 * 86_400).rounded() / (365 * 86_400),
                volatility: (quote.volatility * 1e9).rounded() / 1e9, rate: 0, dividend: 0)
        }
    }

    static func books(_ quotes: [DeribitSnapshot.Quote], currency: String, name: String) throws -> [Book] {
        var byExpiry: [String: (years: Double, forward: Double)] = [:]
        for quote in quotes where byExpiry[quote.expiry] == nil {
            byExpiry[quote.expiry] = (quote.years, quote.forward)
        }
        let expiries = byExpiry.map { (expiry: $0.key, years: $0.value.years, forward: $0.value.forward) }.sorted {
            $0.years < $1.years
        }
        let chain = Chain(spot: quotes[0].index, expiries: expiries, quotes: quotes)
        func missing(_ what: String) -> InputError {
            InputError("\(name): \(currency)", "no \(what) in the snapshot to build the study's books")
        }
        guard let front = chain.expiry(nearest: 30, where: { $0 >= 7 }) else {
            throw missing("expiry of 7 days or more")
        }
        guard let near = chain.expiry(nearest: 7, where: { $0 >= 2 && $0 < front.years * 365 }) else {
            throw missing("expiry of 2 days or more before the front")
        }
        guard let far = chain.expiry(nearest: 90, where: { $0 > front.years * 365 }) else {
            throw missing("expiry after the front")
        }
        guard let put25 = chain.byDelta(front.expiry, .put, -0.25),
            let call25 = chain.byDelta(front.expiry, .call, 0.25)
        else {
            throw missing("calls and puts in the front expiry")
        }
        let nearCalls = chain.quotes(near.expiry, .call), farCalls = chain.quotes(far.expiry, .call)
        let common = nearCalls.filter { call in farCalls.contains { $0.strike == call.strike } }
        guard let calendarShort = common.min(by: { abs($0.strike - near.forward) < abs($1.strike - near.forward) }),
            let calendarLong = farCalls.first(where: { $0.strike == calendarShort.strike })
        else {
            throw missing("call strike quoted in both the near and the far expiry")
        }
        let frontPuts = chain.quotes(front.expiry, .put)
        let straddleStrikes = chain.quotes(front.expiry, .call).filter { call in
            frontPuts.contains { $0.strike == call.strike }
        }
        guard
            let straddleCall = straddleStrikes.min(by: {
                abs($0.strike - front.forward) < abs($1.strike - front.forward)
            }),
            let straddlePut = frontPuts.first(where: { $0.strike == straddleCall.strike })
        else {
            throw missing("strike with both a call and a put in the front expiry")
        }

        func book(
            _ title: String, _ legs: [(DeribitSnapshot.Quote, Double)], linear: Double = 0, hedged: Bool = false
        ) -> Book {
            let forward = (legs[0].0.forward * 1e8).rounded() / 1e8
            let options = legs.map { (option: chain.option($0.0, forward: forward), quantity: $0.1) }
            let delta = options.reduce(0) { $0 + $1.quantity * BlackScholes.valuation($1.option).delta }
            let hedge = hedged ? (-delta * 1e8).rounded() / 1e8 : linear
            var names = legs.map { String(format: "%+g ", $0.1) + $0.0.instrument }
            if hedge != 0 {
                names.append(String(format: "%+.4f ", hedge) + currency + (hedged ? " (delta hedge)" : ""))
            }
            let underlying = Underlying(symbol: currency, spot: forward, linear: hedge, options: options)
            return Book(name: title, legs: names, underlying: underlying, worstCoreLoss: worstCoreLoss(underlying))
        }
        return [
            book("short strangle", [(put25, -1), (call25, -1)]),
            book("calendar spread", [(calendarShort, -1), (calendarLong, 1)]),
            book("covered call", [(call25, -1)], linear: 1),
            book("delta-hedged short straddle", [(straddleCall, -1), (straddlePut, -1)], hedged: true),
            book("naked short put", [(put25, -1)]),
        ]
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

    // MARK: - Reports

    public func markdown() -> String {
        var out =
            "Snapshot \(snapshot) (\(timestamp)); index "
            + index.keys.sorted().map { "\($0) \(String(format: "%.2f", index[$0]!))" }.joined(separator: ", ") + "\n\n"
        out +=
            "| book | legs | standard IM / MM | portfolio IM / MM | worst scenario | worst ±16 % loss | SPAN IM / MM | Greeks IM / MM | portfolio ÷ standard |\n"
        out += "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n"
        func pair(_ m: (initial: Double, maintenance: Double)) -> String {
            "\(Self.money(m.initial)) / \(Self.money(m.maintenance))"
        }
        for row in rows {
            let standard = row.margin(.standard), portfolio = row.margin(.portfolio)
            out +=
                "| \(row.currency) \(row.book.name) | \(row.book.legs.joined(separator: "<br>")) | \(pair(standard)) | \(pair(portfolio)) | "
            out +=
                "\(row.worstScenario) | \(Self.money(row.book.worstCoreLoss)) | \(pair(row.margin(.span))) | \(pair(row.margin(.greeks))) | "
            out += String(format: "%.2f |\n", standard.initial > 0 ? portfolio.initial / standard.initial : 0)
        }
        return out
    }

    public func table() -> String {
        var out = "snapshot \(snapshot) (\(timestamp))\n"
        out += "book".padding(toLength: 36, withPad: " ", startingAt: 0)
        for model in OptionPortfolioMargin.models {
            out += model.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)
        }
        out += "worst ±16% loss\n"
        for row in rows {
            out += "\(row.currency) \(row.book.name)".padding(toLength: 36, withPad: " ", startingAt: 0)
            for entry in row.margins {
                out += "\(Self.money(entry.initial)) / \(Self.money(entry.maintenance))".padding(
                    toLength: 24, withPad: " ", startingAt: 0)
            }
            out += Self.money(row.book.worstCoreLoss) + "\n"
        }
        return out
    }

    public func jsonObject() -> [String: Any] {
        [
            "snapshot": snapshot, "timestamp": timestamp, "index": index,
            "books": rows.map { row -> [String: Any] in
                var margins: [String: Any] = [:]
                for entry in row.margins {
                    margins[entry.model.rawValue] = ["initial": entry.initial, "maintenance": entry.maintenance]
                }
                // The book as `solvent margin` reads it (an option portfolio's underlying), so that
                // any row can be rerun with one model's full report.
                let book = row.book.underlying.portfolio.underlyings[0]
                let options = book.options.map { option -> [String: Any] in
                    [
                        "right": option.right.rawValue, "strike": option.strike.description,
                        "days": Double(option.expirySeconds) / 86_400, "volatility": option.volatility.description,
                        "quantity": option.quantity.description,
                    ]
                }
                let underlying: [String: Any] = [
                    "symbol": row.currency, "spot": book.forward.description, "linear": book.linear.description,
                    "options": options,
                ]
                return [
                    "currency": row.currency, "book": row.book.name, "legs": row.book.legs, "margins": margins,
                    "worstScenario": row.worstScenario, "worstCoreLoss": row.book.worstCoreLoss,
                    "portfolio": ["underlyings": [underlying]],
                ]
            },
        ]
    }

    static func usd(_ amount: Amount) -> Double {
        Double(amount.atoms) / Double(FixedPoint.powersOfTen[OptionPortfolioMargin.usdScale])
    }

    static func money(_ value: Double) -> String {
        let text = String(format: "%.0f", value)
        var digits = Array(text.hasPrefix("-") ? text.dropFirst() : Substring(text))
        var index = digits.count - 3
        while index > 0 { digits.insert(",", at: index); index -= 3 }
        return (text.hasPrefix("-") ? "-" : "") + String(digits)
    }
}
