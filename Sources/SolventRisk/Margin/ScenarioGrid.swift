import RealModule

/// The scenarios of a portfolio-margin run (ccp-models.md §4): each moves the underlying by
/// `spotMove` (−0.16 = −16 %) and shocks every option's volatility multiplicatively by
/// `volatilityShock`, scaled by the option's time to expiry as (30 / max(floor, days))^power;
/// the P&L of a scenario counts `weight` times (tail scenarios count less).
public struct ScenarioGrid: Hashable, Sendable, Codable {
    public struct Scenario: Hashable, Sendable, Codable {
        public var spotMove: Double
        public var volatilityShock: Double
        public var weight: Double
        public init(spotMove: Double, volatilityShock: Double, weight: Double = 1) {
            self.spotMove = spotMove
            self.volatilityShock = volatilityShock
            self.weight = weight
        }
    }

    public var scenarios: [Scenario]
    /// The vega power below 30 days to expiry, and from 30 days.
    public var shortPower: Double
    public var longPower: Double
    /// Days to expiry are floored at this before scaling (a one-day option is not shocked 30×).
    public var floorDays: Double

    public init(scenarios: [Scenario], shortPower: Double = 0, longPower: Double = 0, floorDays: Double = 1) {
        self.scenarios = scenarios
        self.shortPower = shortPower
        self.longPower = longPower
        self.floorDays = floorDays
    }

    /// Paradex's published Deribit-style grid (ccp-models.md §4.2): spot ±16 % in 4 % steps ×
    /// volatility +40 % / −22 %, then the tail moves −66 %, −33 %, +50 %, +100 %, +200 %, +300 %,
    /// +400 %, +500 % with volatility +40 %, weighted as published — 24 %, 48 %, 32 %, 16 %, 8 %,
    /// 5.33 %, 4 %, 3.2 %, i.e. 0.16 / |move| rounded; vega power 0.30 below 30 days, 0.13 from 30.
    public static func paradex(floorDays: Double = 1) -> ScenarioGrid {
        var scenarios: [Scenario] = []
        for step in -4...4 {
            for shock in [0.40, -0.22] {
                scenarios.append(Scenario(spotMove: Double(step) * 0.04, volatilityShock: shock))
            }
        }
        for (move, weight) in [
            (-0.66, 0.24), (-0.33, 0.48), (0.5, 0.32), (1, 0.16), (2, 0.08), (3, 0.0533), (4, 0.04), (5, 0.032),
        ] {
            scenarios.append(Scenario(spotMove: move, volatilityShock: 0.40, weight: weight))
        }
        return ScenarioGrid(scenarios: scenarios, shortPower: 0.30, longPower: 0.13, floorDays: floorDays)
    }

    /// `moves` evenly spaced moves from −maxMove to +maxMove for each volatility shock (shock
    /// major, move minor), unweighted, shocks not scaled by expiry (../shared/bench's grid).
    public static func uniform(moves: Int, maxMove: Double, volatilityShocks: [Double]) -> ScenarioGrid {
        var scenarios: [Scenario] = []
        for shock in volatilityShocks {
            for index in 0..<moves {
                let move = moves == 1 ? 0 : -maxMove + 2 * maxMove * Double(index) / Double(moves - 1)
                scenarios.append(Scenario(spotMove: move, volatilityShock: shock))
            }
        }
        return ScenarioGrid(scenarios: scenarios)
    }

    /// How much of a volatility shock applies to an option with `days` to expiry:
    /// (30 / max(floor, days))^power.
    public func shockScale(days: Double) -> Double {
        let power = days < 30 ? shortPower : longPower
        return power == 0 ? 1 : Double.pow(30 / max(floorDays, days), power)
    }

    /// The shocked volatility of an option with `days` to expiry.
    public func shockedVolatility(_ volatility: Double, shock: Double, days: Double) -> Double {
        max(0, volatility * (1 + shock * shockScale(days: days)))
    }
}
