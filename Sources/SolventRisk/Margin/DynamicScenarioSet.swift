import RealModule

/// A VaR scenario set recomputed from the latest returns, the way a clearing house refreshes its
/// filtered historical simulation every day (ccp-models.md §2.1, TV-FHS-1), under the same
/// anti-procyclicality tools as `DynamicMarginRate` (EMIR RTS 153/2013 Art. 28).
///
/// For one underlying, from its window of log returns r₁…rₙ (one per period, oldest first):
/// - FHS: each return is rescaled from the EWMA volatility of its own period to today's,
///   r̃ₜ = rₜ · σₙ₊₁ / σₜ (`FilteredHistoricalSimulation`), which keeps the history's shape (fat
///   tails, and across underlyings the joint moves of each period) at today's level;
/// - the set's volatility is the root mean square of its log moves, and the set is scaled so that
///   this volatility is the target: `((1 − w) × σₙ₊₁ + w × max(σₙ₊₁, stressed)) × (1 + buffer)`,
///   never below the floor (the volatility of the venue's published set for that underlying),
///   never above `(1 + maxRise)` × the volatility of the set in force (a rise is spread over
///   several periods; a fall is taken at once, down to the floor; a set in force with no
///   movement at all sets no pace);
/// - the moves are e^(r̃) − 1.
///
/// A window without movement has nothing to scale: it gives no set (`moves` returns nil) unless
/// the target is 0 too.
public struct DynamicScenarioSet: Sendable, Equatable {
    public var lambda: Double
    public var stressedWeight: Double
    public var buffer: Double
    public var maxRise: Double

    public init(lambda: Double = 0.94, stressedWeight: Double = 0.25, buffer: Double = 0, maxRise: Double = 0.5) {
        (self.lambda, self.stressedWeight, self.buffer, self.maxRise) = (lambda, stressedWeight, buffer, maxRise)
    }

    /// The volatility of a set of relative moves: the root mean square of their logarithms
    /// (0 for no moves; a move at or below −1 has no logarithm and gives nil).
    public static func volatility(ofMoves moves: [Double]) -> Double? {
        guard !moves.isEmpty else { return 0 }
        var sum = 0.0
        for move in moves {
            guard move > -1, move.isFinite else { return nil }
            let r = Double.log(onePlus: move)
            sum += r * r
        }
        return (sum / Double(moves.count)).squareRoot()
    }

    /// The volatility the new set is scaled to, from today's EWMA volatility, the highest seen,
    /// the published set's volatility (the floor) and the set in force's (the pace).
    public func target(volatility: Double, stressedVolatility: Double, floor: Double, inForce: Double) -> Double {
        let blended = (1 - stressedWeight) * volatility + stressedWeight * max(volatility, stressedVolatility)
        let raised = blended * (1 + buffer)
        let paced = inForce > 0 ? min(raised, inForce * (1 + maxRise)) : raised
        return max(floor, paced)
    }

    /// The filtered returns r̃ of one window and σₙ₊₁. The EWMA starts from `seed`, by default
    /// the window's first tenth as `RiskMeasures.ewmaVolatility` seeds it, so that σₙ₊₁ is the
    /// volatility `DynamicMarginRate` reads.
    public func filtered(returns: [Double], seed: Double? = nil) -> (returns: [Double], volatility: Double) {
        guard !returns.isEmpty else { return ([], 0) }
        let (filtered, now) = FilteredHistoricalSimulation.filtered(
            returns: returns, lambda: lambda, seed: seed ?? RiskMeasures.seedVariance(of: returns).squareRoot())
        return (filtered, now)
    }

    /// The moves of the set: the filtered returns scaled so that their volatility is `target`,
    /// as relative moves e^(r̃) − 1; nil when there is nothing to scale (no movement, a target
    /// above 0).
    public static func moves(filtered: [Double], target: Double) -> [Double]? {
        let rms = (filtered.reduce(0) { $0 + $1 * $1 } / Double(max(1, filtered.count))).squareRoot()
        guard rms > 0, rms.isFinite else { return target == 0 ? filtered.map { _ in 0 } : nil }
        let scale = target / rms
        return filtered.map { Double.expMinusOne($0 * scale) }
    }

    /// One underlying's refreshed set from its window of log returns: the moves scaled to
    /// `target(volatility:stressedVolatility:floor:inForce:)` (today's EWMA volatility σₙ₊₁ from
    /// `filtered`), with σₙ₊₁ and the target; nil when the window has nothing to scale.
    public func refresh(
        returns: [Double], stressedVolatility: Double, floor: Double, inForce: Double
    ) -> (moves: [Double], volatility: Double, target: Double)? {
        let (filtered, volatility) = filtered(returns: returns)
        let target = target(
            volatility: volatility, stressedVolatility: stressedVolatility, floor: floor, inForce: inForce)
        return Self.moves(filtered: filtered, target: target).map { ($0, volatility, target) }
    }

    /// The parameter out of its range, named, or nil: the ranges of `DynamicMarginRate`, whose
    /// limits these are.
    public func invalidParameter() -> (field: String, reason: String)? {
        DynamicMarginRate(floor: 1, lambda: lambda, stressedWeight: stressedWeight, buffer: buffer, maxRise: maxRise)
            .invalidParameter()
    }
}
