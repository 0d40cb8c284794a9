import RealModule

/// One expiry's implied-volatility smile of an underlying, as the venue publishes it (a
/// `SetVolatilitySmile` command, for example fitted to Deribit's option marks): volatility by
/// strike. Between quoted strikes the total variance σ² is interpolated linearly in log strike;
/// beyond the outermost strikes the volatility is held flat. The smile is sticky-strike: an
/// option's volatility changes when a new smile is published, not when the underlying moves.
public struct VolatilitySmile: Hashable, Sendable, Codable {
    public var expiry: Timestamp
    /// Strictly increasing, positive.
    public var strikes: [Price]
    /// Annualized, one per strike, positive.
    public var volatilities: [Rate]

    public init(expiry: Timestamp, strikes: [Price], volatilities: [Rate]) {
        self.expiry = expiry
        self.strikes = strikes
        self.volatilities = volatilities
    }

    /// The reason the smile cannot be used, naming the field, or nil.
    func validate() -> (field: String, reason: String)? {
        if strikes.isEmpty || strikes.count > Limits.smilePoints {
            return ("strikes", "1 to \(Limits.smilePoints) strikes")
        }
        if strikes.count != volatilities.count {
            return ("volatilities", "one volatility per strike (\(strikes.count))")
        }
        for (index, strike) in strikes.enumerated() {
            if strike.atoms <= 0 { return ("strikes[\(index)]", "a positive strike") }
            if index > 0 && strike.atoms <= strikes[index - 1].atoms {
                return ("strikes[\(index)]", "strikes in increasing order")
            }
        }
        for (index, volatility) in volatilities.enumerated()
        where volatility.atoms <= 0 || volatility.atoms > Limits.volatilityMaximum.atoms {
            return ("volatilities[\(index)]", "a volatility above 0 and at most \(Limits.volatilityMaximum)")
        }
        return nil
    }

    /// The smile's volatility at a strike, rounded to the nearest `Rate` atom (so it is state the
    /// digest can hold exactly).
    func volatility(strike: Price) -> Rate {
        func sigma(_ index: Int) -> Double { Double(volatilities[index].atoms) / Double(Rate.oneAtoms) }
        let value: Double
        if strike.atoms <= strikes[0].atoms {
            value = sigma(0)
        } else if strike.atoms >= strikes[strikes.count - 1].atoms {
            value = sigma(strikes.count - 1)
        } else {
            var high = 1
            while strikes[high].atoms < strike.atoms { high += 1 }
            let low = high - 1
            let logLow = Double.log(Double(strikes[low].atoms))
            let weight =
                (Double.log(Double(strike.atoms)) - logLow) / (Double.log(Double(strikes[high].atoms)) - logLow)
            value = ((1 - weight) * sigma(low) * sigma(low) + weight * sigma(high) * sigma(high)).squareRoot()
        }
        return Rate(atoms: Int64((value * Double(Rate.oneAtoms)).rounded()))
    }
}
