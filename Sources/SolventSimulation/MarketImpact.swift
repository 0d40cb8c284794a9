/// How liquidation flow moves the market price (endogenous impact).
///
/// The simulated price is the exogenous (historical) price times (1 − I), where I is the impact
/// of Q, the net liquidation flow so far in contracts (sells positive), against a depth D in
/// contracts:
///   linear:       I = λ · Q / D
///   square root:  I = c · sign(Q) · √(|Q| / D)
/// D thins as the market falls: D = D₀ · max(floor, 1 − thinning · drawdown), with drawdown the
/// exogenous price's fall from its running peak. Q decays towards 0 with a half-life (the
/// book refilling) or stays (permanent impact).
///
/// The historical path already contains the impact of the liquidations that really happened;
/// this is the *additional* impact of the simulated population's own forced flow.
public struct MarketImpact: Hashable, Sendable {
    public enum Shape: String, Hashable, Sendable, CaseIterable {
        case none
        case linear
        case squareRoot = "sqrt"
    }

    public var shape: Shape
    /// λ (linear) or c (square root).
    public var coefficient: Double
    /// D₀, contracts.
    public var depth: Double
    public var thinning: Double
    public var floor: Double
    /// nil: permanent impact.
    public var halfLifeSeconds: Double?

    public init(
        shape: Shape, coefficient: Double, depth: Double, thinning: Double = 0, floor: Double = 1,
        halfLifeSeconds: Double? = nil
    ) {
        self.shape = shape
        self.coefficient = coefficient
        self.depth = depth
        self.thinning = thinning
        self.floor = floor
        self.halfLifeSeconds = halfLifeSeconds
    }

    public func validate() -> (field: String, reason: String)? {
        if !(coefficient >= 0 && coefficient <= 10) { return ("impact coefficient", "0 to 10") }
        if !(depth > 0 && depth.isFinite) { return ("depth", "a positive number of contracts") }
        if !(thinning >= 0 && thinning <= 100) { return ("thinning", "0 to 100") }
        if !(floor > 0 && floor <= 1) { return ("depth floor", "above 0, at most 1") }
        if let halfLife = halfLifeSeconds, !(halfLife > 0 && halfLife.isFinite) {
            return ("half-life", "positive seconds")
        }
        return nil
    }

    /// D at a drawdown of the exogenous price (0 = at its peak).
    public func depth(drawdown: Double) -> Double {
        depth * max(floor, 1 - thinning * max(0, drawdown))
    }

    /// I for a net flow (contracts, sells positive) against `depth`; at most 0.95 down and 10 up.
    public func fraction(flow: Double, depth: Double) -> Double {
        let impact: Double
        switch shape {
        case .none: return 0
        case .linear: impact = coefficient * flow / depth
        case .squareRoot: impact = coefficient * (flow < 0 ? -1 : 1) * (flow.magnitude / depth).squareRoot()
        }
        return min(max(impact, -10), 0.95)
    }

    /// What remains of a flow after `seconds` (the book refilling).
    public func decay(_ flow: Double, seconds: Double) -> Double {
        guard let halfLife = halfLifeSeconds, seconds > 0 else { return flow }
        return flow * Elementary.exp(-Elementary.ln2 * seconds / halfLife)
    }
}
