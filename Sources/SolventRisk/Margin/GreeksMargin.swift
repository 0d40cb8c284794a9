/// Greeks-based margin for one underlying: the Taylor view of the scenario loss. Positions' Greeks
/// are netted (the offsets), then
/// - delta charge = |net delta| × spot × `deltaMove` (a move of that fraction either way);
/// - gamma charge = ½ × max(0, −net gamma) × (spot × `gammaMove`)² (only short gamma loses on a
///   move either way; long gamma offsets it within the portfolio, never below zero);
/// - vega charge = Σ over expiries of |net vega of the expiry| × `volatilityShock`, or |net vega|
///   × shock when vega offsets across expiries (`vegaOffsetsAcrossExpiries`);
/// and the requirement is their sum. Linear positions (perpetuals, futures) carry delta only.
public enum GreeksMargin {
    public struct Parameters: Hashable, Sendable {
        public var deltaMove: Double
        public var gammaMove: Double
        public var volatilityShock: Double
        public var vegaOffsetsAcrossExpiries: Bool
        public init(
            deltaMove: Double = 0.15, gammaMove: Double = 0.15, volatilityShock: Double = 0.3,
            vegaOffsetsAcrossExpiries: Bool = false
        ) {
            self.deltaMove = deltaMove
            self.gammaMove = gammaMove
            self.volatilityShock = volatilityShock
            self.vegaOffsetsAcrossExpiries = vegaOffsetsAcrossExpiries
        }
    }

    public struct Result: Hashable, Sendable {
        public var netDelta: Double
        public var netGamma: Double
        public var netVega: Double
        public var deltaCharge: Double
        public var gammaCharge: Double
        public var vegaCharge: Double
        public var requirement: Double { deltaCharge + gammaCharge + vegaCharge }
    }

    public static func evaluate(
        options: [(option: EuropeanOption, quantity: Double)], linear: Double = 0, spot: Double,
        parameters: Parameters = Parameters()
    ) -> Result {
        var delta = linear
        var gamma = 0.0
        var vegaByExpiry: [Double: Double] = [:]  // summed, then read in sorted order
        for (option, quantity) in options {
            let greeks = BlackScholes.valuation(option)
            delta += quantity * greeks.delta
            gamma += quantity * greeks.gamma
            vegaByExpiry[option.years, default: 0] += quantity * greeks.vega
        }
        let vegas = vegaByExpiry.keys.sorted().map { vegaByExpiry[$0]! }
        let netVega = vegas.reduce(0, +)
        let vegaCharge =
            parameters.vegaOffsetsAcrossExpiries
            ? abs(netVega) * parameters.volatilityShock
            : vegas.reduce(0) { $0 + abs($1) } * parameters.volatilityShock
        let move = spot * parameters.gammaMove
        return Result(
            netDelta: delta, netGamma: gamma, netVega: netVega, deltaCharge: abs(delta) * spot * parameters.deltaMove,
            gammaCharge: 0.5 * max(0, -gamma) * move * move, vegaCharge: vegaCharge)
    }
}
