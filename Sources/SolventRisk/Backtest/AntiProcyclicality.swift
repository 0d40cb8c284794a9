import RealModule

/// EMIR RTS 153/2013 Art. 28 anti-procyclicality tools, applied to a backtest's margin series
/// (ccp-models.md §4): margin that is already high before a crash instead of raised during it.
public enum AntiProcyclicalTool: String, CaseIterable, Sendable {
    /// The model's margin as it is.
    case none
    /// (a) A 25 % buffer on top of the model margin, held at all times here (EMIR lets a CCP
    /// draw it down in stress; a backtest that never does is the conservative reading).
    case buffer
    /// (b) 25 % weight on stressed-period margin: 0.75 × model + 0.25 × stressed, where the
    /// stressed margin is historical VaR of today's book over the stressed period: the window
    /// of past returns (as long as the model's) with the largest realised variance so far.
    case stressed
    /// (c) A floor: at least historical VaR of today's book over a ten-year lookback (or all
    /// the history there is before the period, when shorter); recomputed at most about 2,500
    /// times per run (every period on daily data) and held in between.
    case floor
}

/// The crash windows of ../shared/data (its README: five days around each crash), for the
/// procyclicality figures of a backtest.
public struct CrashWindow: Sendable {
    public var name: String
    /// Unix seconds, inclusive start and exclusive end.
    public var start: Int64
    public var end: Int64

    static let day: Int64 = 86_400

    /// 2020-03-12 (Covid), 2021-05-19 (China mining ban), 2022-11-08 (FTX), 2024-08-05 (yen
    /// carry unwind), 2025-10-10 (tariff liquidations): each from two days before to the end of
    /// two days after.
    public static let known: [CrashWindow] = [
        ("2020-03-12", 1_583_971_200), ("2021-05-19", 1_621_382_400), ("2022-11-08", 1_667_865_600),
        ("2024-08-05", 1_722_816_000), ("2025-10-10", 1_760_054_400),
    ].map { CrashWindow(name: $0.0, start: $0.1 - 2 * day, end: $0.1 + 3 * day) }

    /// What the margin did inside the window: the margin held for the last period ending at
    /// or before the window's start, the peak inside, their ratio, the exceptions and the
    /// worst loss inside. Nil when the backtest does not cover the window; the increase is nil
    /// when no margin was held before it (a ratio to zero is no figure, and JSON has no ∞).
    public func procyclicality(
        times: [Int64], margins: [Double], losses: [Double]
    ) -> (before: Double, peak: Double, increase: Double?, exceptions: Int, worstLoss: Double)? {
        guard let beforeIndex = times.lastIndex(where: { $0 <= start }) else { return nil }
        let inside = times.indices.filter { times[$0] > start && times[$0] <= end }
        guard !inside.isEmpty else { return nil }
        let before = margins[beforeIndex]
        let peak = inside.map { margins[$0] }.max()!
        let exceptions = inside.filter { losses[$0] > margins[$0] }.count
        return (before, peak, before > 0 ? peak / before - 1 : nil, exceptions, inside.map { losses[$0] }.max()!)
    }
}

extension ExpectedShortfallTest {
    /// The p-value of a Z2 statistic: the share of `simulations` seeded draws of Z2 under the
    /// null at or below it, each from `observations` standard-normal P&Ls with the normal's
    /// own VaR and ES at tail probability `alpha` (the paper's critical values are close to
    /// the normal's across distributions; ccp-models.md §6.5, TV-ES-1: 5 % at −0.70 for
    /// T = 250, α = 2.5 %).
    public static func z2PValue(
        _ statistic: Double, observations: Int, alpha: Double, simulations: Int = 2_000, seed: UInt64 = 1
    ) -> Double {
        let z = RiskMeasures.normalQuantile(1 - alpha)
        let shortfall = RiskMeasures.normal(sigma: 1, confidence: 1 - alpha).expectedShortfall
        var random = MonteCarloVaR.Stream(seed: seed)
        var atOrBelow = 0
        for _ in 0..<simulations {
            var sum = 0.0
            for _ in 0..<observations {
                let x = random.normal()
                if x < -z { sum += x }
            }
            let value = sum / (Double(observations) * alpha * shortfall) + 1
            if value <= statistic { atOrBelow += 1 }
        }
        return Double(atOrBelow + 1) / Double(simulations + 1)
    }
}
