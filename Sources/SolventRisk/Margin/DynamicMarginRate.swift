import RealModule

/// A margin rate that follows the market, the way a clearing house recomputes its parameters
/// from the latest prices (ccp-models.md §4) with the anti-procyclicality tools of EMIR RTS
/// 153/2013 Art. 28 applied together:
///
/// - the risk rate: the loss of a unit position at `confidence` over one period under the EWMA
///   volatility of the window's returns, `e^(z·σ) − 1` (the larger of a long's and a short's);
/// - stressed-period weight: `(1 − w) × risk + w × stressed`, where `stressed` is the risk rate at
///   the highest EWMA volatility seen so far (the "stressed-period weight");
/// - a buffer on top (`× (1 + buffer)`);
/// - a floor: never below `floor` (the venue's published static rate);
/// - a pace: never more than `(1 + maxRise)` × the previous period's rate, so margin that must
///   rise does so over several periods instead of in one call; a fall is taken at once.
///
/// `rates(returns:window:)` runs the rule along a series the way a keeper would emit it: the rate
/// in force for period t uses only the returns before t.
public struct DynamicMarginRate: Sendable, Equatable {
    public var floor: Double
    public var confidence: Double
    public var lambda: Double
    public var stressedWeight: Double
    public var buffer: Double
    public var maxRise: Double
    /// Above this the rate is capped (a unit position never needs more than its value).
    public var ceiling: Double

    public init(
        floor: Double, confidence: Double = 0.99, lambda: Double = 0.94, stressedWeight: Double = 0.25,
        buffer: Double = 0, maxRise: Double = 0.5, ceiling: Double = 1
    ) {
        (self.floor, self.confidence, self.lambda) = (floor, confidence, lambda)
        (self.stressedWeight, self.buffer, self.maxRise, self.ceiling) = (stressedWeight, buffer, maxRise, ceiling)
    }

    /// The parameter out of its range, named, or nil.
    public func invalidParameter() -> (field: String, reason: String)? {
        if !(floor > 0 && floor <= 1) { return ("floor", "a rate above 0 and at most 1") }
        if !(confidence > 0.5 && confidence < 1) { return ("confidence", "a level between 0.5 and 1") }
        if !(lambda > 0 && lambda < 1) { return ("lambda", "a decay between 0 and 1") }
        if !(stressedWeight >= 0 && stressedWeight <= 1) { return ("stressedWeight", "a weight from 0 to 1") }
        if !(buffer >= 0 && buffer <= 10) { return ("buffer", "a share from 0 to 10") }
        if !(maxRise > 0 && maxRise <= 100) { return ("maxRise", "a share above 0 and at most 100") }
        if !(ceiling >= floor && ceiling <= 10) { return ("ceiling", "a rate from the floor to 10") }
        return nil
    }

    /// The risk rate for an EWMA volatility per period.
    public func riskRate(volatility: Double) -> Double {
        let z = RiskMeasures.normalQuantile(confidence)
        return Double.exp(z * volatility) - 1
    }

    /// The rate the rule sets after `previous` (nil: the first period, unpaced) given the
    /// window's EWMA volatility and the highest one seen so far.
    public func next(previous: Double?, volatility: Double, stressedVolatility: Double) -> Double {
        let blended =
            (1 - stressedWeight) * riskRate(volatility: volatility)
            + stressedWeight * riskRate(volatility: max(volatility, stressedVolatility))
        let target = min(ceiling, max(floor, blended * (1 + buffer)))
        guard let previous else { return target }
        return max(floor, min(target, previous * (1 + maxRise)))
    }

    /// The rate in force for each period t ≥ `window` of `returns` (log returns of one
    /// underlying, one per period), from the window of returns before it.
    public func rates(returns: [Double], window: Int) -> [Double] {
        precondition(window >= 2 && returns.count >= window, "a window within the history")
        var rates: [Double] = []
        rates.reserveCapacity(returns.count - window)
        var stressed = 0.0
        for t in window..<returns.count {
            let volatility = RiskMeasures.ewmaVolatility(of: Array(returns[(t - window)..<t]), lambda: lambda)
            stressed = max(stressed, volatility)
            rates.append(next(previous: rates.last, volatility: volatility, stressedVolatility: stressed))
        }
        return rates
    }
}
