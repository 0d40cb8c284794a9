import RealModule

/// One European option revalued under every scenario of a set — the forward moved to F·(1 + mₕ),
/// volatility and time unchanged, undiscounted Black-76 — eight scenarios per SIMD step: the
/// VaR margin models' full revaluation. Done one scalar `BlackScholes.price` per scenario, it was
/// most of a VaR margin check (1,000 scenarios: ~50 µs per option position). σ√T is the same in
/// every scenario, so the step has no lane masks: a zero σ√T takes the intrinsic path for the
/// whole set. Equal to `BlackScholes.price` at each moved forward within 1e-12 relative or
/// 1e-13 × forward (tested).
public enum ScenarioValuation {
    /// A scenario set's moves with their logarithms, computed once per set (a log per scenario
    /// per check would cost about as much as the valuation).
    public struct Moves: Sendable, Hashable {
        public let gross: [Double]
        public let logarithms: [Double]

        /// `moves` as fractions (−0.05 = −5 %), each above −1.
        public init(_ moves: [Double]) {
            gross = moves.map { 1 + $0 }
            logarithms = moves.map { Double.log(onePlus: $0) }
        }

        public var count: Int { gross.count }
    }

    /// pnl[h] += scale × (value at F·(1 + mₕ) − base), the value in the quote currency, or in the
    /// coin (divided by the moved forward) when `inCoin`.
    public static func accumulate(
        right: OptionRight, forward: Double, strike: Double, years: Double, volatility: Double,
        moves: Moves, inCoin: Bool, base: Double, scale: Double,
        into pnl: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(pnl.count >= moves.count, "one P&L slot per scenario")
        let count = moves.count
        let w: Double = right == .call ? 1 : -1
        let deviation = volatility * max(0, years).squareRoot()
        guard deviation > 0, deviation.isFinite, forward > 0, strike > 0 else {
            // No time value: every scenario at intrinsic value.
            for h in 0..<count {
                let moved = forward * moves.gross[h]
                let value = max(0, w * (moved - strike))
                pnl[h] += scale * ((inCoin ? value / moved : value) - base)
            }
            return
        }
        typealias Lanes = SIMD8<Double>
        let full = count / 8 * 8
        let logForwardOverStrike = Double.log(forward / strike)
        let inverseDeviation = 1 / deviation
        moves.gross.withUnsafeBufferPointer { gross in
            moves.logarithms.withUnsafeBufferPointer { logarithms in
                MillsRatio.shared.polynomial.withUnsafeBufferPointer { mills in
                    let coefficients = mills.baseAddress!
                    let out = UnsafeMutableRawPointer(pnl.baseAddress!)
                    var h = 0
                    while h < full {
                        let g = UnsafeRawPointer(gross.baseAddress! + h).loadUnaligned(as: Lanes.self)
                        let lg = UnsafeRawPointer(logarithms.baseAddress! + h).loadUnaligned(as: Lanes.self)
                        let d1 = (logForwardOverStrike + lg) * inverseDeviation + 0.5 * deviation
                        let moved = forward * g
                        // One density: φ(d₂) = φ(d₁)·F'/K.
                        let density = VectorMath.exp(-0.5 * d1 * d1) * VectorMath.inverseRootTwoPi
                        let (n1, n2) = VectorMath.cumulativeNormal(
                            w * d1, density: density, w * (d1 - deviation),
                            density: density * moved / strike, coefficients: coefficients)
                        var value = w * (moved * n1 - strike * n2)
                        value = value.replacing(with: 0, where: value .< 0)
                        if inCoin { value = value / moved }
                        let previous = out.loadUnaligned(fromByteOffset: h * 8, as: Lanes.self)
                        out.storeBytes(
                            of: previous.addingProduct(Lanes(repeating: scale), value - base), toByteOffset: h * 8,
                            as: Lanes.self)
                        h += 8
                    }
                }
            }
        }
        for h in full..<count {
            let moved = forward * moves.gross[h]
            let value = BlackScholes.price(
                .black76(right: right, forward: moved, strike: strike, years: years, volatility: volatility))
            pnl[h] += scale * ((inCoin ? value / moved : value) - base)
        }
    }
}
