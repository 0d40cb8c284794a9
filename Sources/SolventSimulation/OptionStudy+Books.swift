import SolventRisk

extension OptionStudy {
    struct Chain {
        let expiries: [(expiry: String, years: Double, forward: Double)]
        let quotes: [OptionQuote]

        func quotes(_ expiry: String, _ right: OptionRight) -> [OptionQuote] {
            quotes.filter { $0.expiry == expiry && $0.right == right }.sorted { $0.strike < $1.strike }
        }

        /// The expiry closest to `days` among those passing `allowed`.
        func expiry(
            nearest days: Double, where allowed: (Double) -> Bool
        ) -> (expiry: String, years: Double, forward: Double)? {
            expiries.filter { allowed($0.years * 365) }.min { abs($0.years * 365 - days) < abs($1.years * 365 - days) }
        }

        func byDelta(_ expiry: String, _ right: OptionRight, _ target: Double) -> OptionQuote? {
            quotes(expiry, right).min { abs($0.delta - target) < abs($1.delta - target) }
        }

        /// An option of a book valued on `forward`, at the engine's precision.
        func option(_ quote: OptionQuote, forward: Double) -> EuropeanOption {
            EuropeanOption(
                right: quote.right, spot: forward, strike: quote.strike,
                years: (quote.years * 365 * 86_400).rounded() / (365 * 86_400),
                volatility: (quote.volatility * 1e9).rounded() / 1e9, rate: 0, dividend: 0)
        }
    }

    /// One currency's five books by the study's rules, or what the chain lacks to build them.
    static func books(_ quotes: [OptionQuote], currency: String) -> Result<[Book], Failure> {
        // Expiries in time order (ties by name), each with its first quote's forward.
        var expiries: [(expiry: String, years: Double, forward: Double)] = []
        for quote in quotes where !expiries.contains(where: { $0.expiry == quote.expiry }) {
            expiries.append((quote.expiry, quote.years, quote.forward))
        }
        expiries.sort { ($0.years, $0.expiry) < ($1.years, $1.expiry) }
        let chain = Chain(expiries: expiries, quotes: quotes)
        func missing(_ what: String) -> Result<[Book], Failure> { .failure(.missing(currency: currency, what: what)) }
        guard let front = chain.expiry(nearest: 30, where: { $0 >= 7 }) else {
            return missing("expiry of 7 days or more")
        }
        guard let near = chain.expiry(nearest: 7, where: { $0 >= 2 && $0 < front.years * 365 }) else {
            return missing("expiry of 2 days or more before the front")
        }
        guard let far = chain.expiry(nearest: 90, where: { $0 > front.years * 365 }) else {
            return missing("expiry after the front")
        }
        guard let put25 = chain.byDelta(front.expiry, .put, -0.25),
            let call25 = chain.byDelta(front.expiry, .call, 0.25)
        else {
            return missing("calls and puts in the front expiry")
        }
        let nearCalls = chain.quotes(near.expiry, .call), farCalls = chain.quotes(far.expiry, .call)
        let common = nearCalls.filter { call in farCalls.contains { $0.strike == call.strike } }
        guard let calendarShort = common.min(by: { abs($0.strike - near.forward) < abs($1.strike - near.forward) }),
            let calendarLong = farCalls.first(where: { $0.strike == calendarShort.strike })
        else {
            return missing("call strike quoted in both the near and the far expiry")
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
            return missing("strike with both a call and a put in the front expiry")
        }

        func book(_ title: String, _ legs: [(OptionQuote, Double)], linear: Double = 0, hedged: Bool = false) -> Book {
            let forward = (legs[0].0.forward * 1e8).rounded() / 1e8
            let options = legs.map { (option: chain.option($0.0, forward: forward), quantity: $0.1) }
            let delta = options.reduce(0) { $0 + $1.quantity * BlackScholes.valuation($1.option).delta }
            let hedge = hedged ? (-delta * 1e8).rounded() / 1e8 : linear
            let underlying = Underlying(symbol: currency, spot: forward, linear: hedge, options: options)
            return Book(
                name: title, legs: legs.map { ($0.0.instrument, $0.1) }, hedged: hedged, underlying: underlying,
                worstCoreLoss: worstCoreLoss(underlying))
        }
        return .success([
            book("short strangle", [(put25, -1), (call25, -1)]),
            book("calendar spread", [(calendarShort, -1), (calendarLong, 1)]),
            book("covered call", [(call25, -1)], linear: 1),
            book("delta-hedged short straddle", [(straddleCall, -1), (straddlePut, -1)], hedged: true),
            book("naked short put", [(put25, -1)]),
        ])
    }
}
