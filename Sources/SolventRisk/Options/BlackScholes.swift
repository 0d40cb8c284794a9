import RealModule

/// European option prices and Greeks under the generalised Black–Scholes–Merton model
/// (ccp-models.md §8.1): spot S, strike K, time T in years, volatility σ, risk-free rate r and
/// dividend yield (or foreign rate) q, cost of carry b = r − q. Black-76 is the same model with
/// S the forward and q = r. Doubles throughout: option figures are risk measures, never booked
/// money (DESIGN.md §3).
///
/// The Greeks are the raw derivatives QuantLib's analytic European engine reports: vega per 1.00
/// of volatility, theta per year (−∂V/∂T, spot fixed), rho per 1.00 of the risk-free rate (the
/// dividend yield held fixed).
public enum OptionRight: String, Hashable, Sendable, CaseIterable {
    case call
    case put
}

/// One European option's inputs.
public struct EuropeanOption: Hashable, Sendable {
    public var right: OptionRight
    public var spot: Double
    public var strike: Double
    public var years: Double
    public var volatility: Double
    public var rate: Double
    public var dividend: Double

    public init(
        right: OptionRight, spot: Double, strike: Double, years: Double, volatility: Double, rate: Double = 0,
        dividend: Double = 0
    ) {
        self.right = right
        self.spot = spot
        self.strike = strike
        self.years = years
        self.volatility = volatility
        self.rate = rate
        self.dividend = dividend
    }

    /// Black-76 on a forward (or futures) price: the carry is zero, so q = r.
    public static func black76(
        right: OptionRight, forward: Double, strike: Double, years: Double, volatility: Double,
        rate: Double = 0
    ) -> EuropeanOption {
        EuropeanOption(
            right: right, spot: forward, strike: strike, years: years, volatility: volatility, rate: rate,
            dividend: rate)
    }

    /// Why the inputs cannot be priced, or nil. Non-positive spot or strike, negative time or
    /// volatility, and non-finite numbers are refused.
    public var inputError: OptionInputError? {
        if !spot.isFinite || spot <= 0 { return .init(field: "spot", reason: "a positive number") }
        if !strike.isFinite || strike <= 0 { return .init(field: "strike", reason: "a positive number") }
        if !years.isFinite || years < 0 { return .init(field: "years", reason: "zero or a positive number of years") }
        if !volatility.isFinite || volatility < 0 {
            return .init(field: "volatility", reason: "zero or a positive volatility")
        }
        if !rate.isFinite { return .init(field: "rate", reason: "a finite rate") }
        if !dividend.isFinite { return .init(field: "dividend", reason: "a finite yield") }
        return nil
    }
}

public struct OptionInputError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public var description: String { "\(field): expected \(reason)" }
}

/// Price and Greeks (see `BlackScholes` for the conventions).
public struct OptionValuation: Hashable, Sendable {
    public var price: Double
    public var delta: Double
    public var gamma: Double
    public var vega: Double
    public var theta: Double
    public var rho: Double
}

public enum BlackScholes {
    /// Standard normal cumulative distribution, through erfc (accurate in both tails).
    @inlinable
    public static func cumulativeNormal(_ x: Double) -> Double {
        0.5 * Double.erfc(-x / 2.0.squareRoot())
    }

    /// Standard normal density.
    @inlinable
    public static func normalDensity(_ x: Double) -> Double {
        Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// Price only (the implied-volatility solver's inner call).
    public static func price(_ option: EuropeanOption) -> Double {
        valuation(option).price
    }

    /// Price and Greeks. At expiry (T = 0) or with zero volatility the option is worth its
    /// discounted intrinsic value on the forward; delta is then the step (1 in the money, 0 out,
    /// ½ at the money), and gamma and vega are 0.
    public static func valuation(_ option: EuropeanOption) -> OptionValuation {
        let (s, k, t, v, r, q) = (
            option.spot, option.strike, option.years, option.volatility, option.rate, option.dividend
        )
        let sign: Double = option.right == .call ? 1 : -1
        let dividendDiscount = Double.exp(-q * t)
        let discount = Double.exp(-r * t)
        let forward = s * dividendDiscount / discount
        let deviation = v * t.squareRoot()
        if deviation == 0 {
            let intrinsic = max(0, sign * (forward - k))
            let inTheMoney: Double = sign * (forward - k) > 0 ? 1 : (forward == k ? 0.5 : 0)
            let delta = sign * inTheMoney * dividendDiscount
            // Spot fixed, d/dT of e^{−rT}·max(0, ±(S e^{(r−q)T} − K)).
            let theta = inTheMoney == 0 ? 0 : -(sign * (-q * s * dividendDiscount + r * k * discount)) * inTheMoney
            let rho = sign * k * t * discount * inTheMoney
            return OptionValuation(price: discount * intrinsic, delta: delta, gamma: 0, vega: 0, theta: theta, rho: rho)
        }
        let d1 = (Double.log(forward / k) + 0.5 * deviation * deviation) / deviation
        let d2 = d1 - deviation
        let nd1 = cumulativeNormal(sign * d1)
        let nd2 = cumulativeNormal(sign * d2)
        let density = normalDensity(d1)
        // Far out of the money the difference of two tiny terms can round below zero.
        let price = max(0, sign * (s * dividendDiscount * nd1 - k * discount * nd2))
        let delta = sign * dividendDiscount * nd1
        let gamma = dividendDiscount * density / (s * deviation)
        let vega = s * dividendDiscount * density * t.squareRoot()
        let theta =
            -s * dividendDiscount * density * v / (2 * t.squareRoot())
            + sign * (q * s * dividendDiscount * nd1 - r * k * discount * nd2)
        let rho = sign * k * t * discount * nd2
        return OptionValuation(price: price, delta: delta, gamma: gamma, vega: vega, theta: theta, rho: rho)
    }
}
