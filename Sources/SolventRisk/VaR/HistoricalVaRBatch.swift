/// Historical-simulation VaR and ES for many linear portfolios over one scenario set (issue #6's
/// hot path: a venue re-margins every account against the same history).
///
/// For portfolio p, P&L in scenario h is Σₐ holding[p,a] · return[a,h]; with k = ⌈H(1−c)⌉ tail
/// scenarios, VaR is the k-th worst loss and ES the mean of the k worst (no interpolation, as
/// `RiskMeasures` and ../shared/bench/bench_hvar.py). The tail is selected without sorting, in
/// two passes over the portfolio's P&L vector (which stays in L1):
///   1. the minimum of every block of 16 scenarios; the k-th smallest block minimum m is an upper
///      bound of the k-th worst P&L, because k distinct P&Ls (those block minima) are ≤ m;
///   2. only blocks whose minimum is ≤ m can hold a tail scenario — about k of them — and their
///      P&Ls ≤ m are the candidates (at most 16k), from which the k worst are kept in order.
/// Ties are kept, so the result equals the sort-based definition exactly.
public enum HistoricalVaRBatch {
    /// Returns in structure-of-arrays form: `returns[a * history + h]` is asset a's return in
    /// scenario h (the numpy baseline's `R.T`).
    public struct Scenarios: Sendable {
        public let assets: Int
        public let history: Int
        public let returns: [Double]

        public init(assets: Int, history: Int, returns: [Double]) {
            precondition(assets > 0 && history > 0 && returns.count == assets * history, "returns must be assets × history")
            self.assets = assets
            self.history = history
            self.returns = returns
        }
    }

    /// VaR and ES (as positive losses) for each portfolio; `holdings[p * assets + a]`.
    public static func evaluate(holdings: [Double], scenarios: Scenarios, confidence: Double)
        -> (valueAtRisk: [Double], expectedShortfall: [Double])
    {
        let assets = scenarios.assets
        let history = scenarios.history
        precondition(holdings.count % assets == 0, "holdings must be portfolios × assets")
        let portfolios = holdings.count / assets
        let k = RiskMeasures.tailCount(scenarios: history, confidence: confidence)
        var valueAtRisk = [Double](repeating: 0, count: portfolios)
        var shortfall = [Double](repeating: 0, count: portfolios)
        var workspace = Workspace(history: history, tail: k)
        holdings.withUnsafeBufferPointer { weights in
            scenarios.returns.withUnsafeBufferPointer { returns in
                for p in 0..<portfolios {
                    workspace.profitAndLoss(weights: weights.baseAddress! + p * assets, assets: assets, returns: returns.baseAddress!)
                    let (v, e) = workspace.tailMeasures()
                    valueAtRisk[p] = v
                    shortfall[p] = e
                }
            }
        }
        return (valueAtRisk, shortfall)
    }

    static let block = 16

    /// Buffers reused across portfolios (no allocation in the loop).
    public struct Workspace {
        let history: Int
        let k: Int
        public private(set) var pnl: [Double]
        var blockMinima: [Double]
        var tail: [Double]

        public init(history: Int, tail k: Int) {
            self.history = history
            self.k = k
            pnl = [Double](repeating: 0, count: history)
            blockMinima = [Double](repeating: 0, count: (history + HistoricalVaRBatch.block - 1) / HistoricalVaRBatch.block)
            tail = [Double](repeating: 0, count: k)
        }

        /// pnl[h] = Σₐ w[a] · r[a, h] and the minimum of every block of 16 scenarios, in one
        /// pass: a block's 16 P&Ls stay in registers across the assets, then are stored once.
        // Kept out of line: inlined into `evaluate`, the two kernels share registers and the loop
        // runs ~2x slower (measured).
        @inline(never)
        public mutating func profitAndLoss(weights: UnsafePointer<Double>, assets: Int, returns: UnsafePointer<Double>) {
            let history = history, width = HistoricalVaRBatch.block
            let full = history / width
            pnl.withUnsafeMutableBufferPointer { buffer in
                blockMinima.withUnsafeMutableBufferPointer { minima in
                    let out = buffer.baseAddress!
                    for b in 0..<full {
                        let start = b * width
                        // Eight two-lane accumulators: one SSE register each, no shuffles.
                        var p0 = SIMD2<Double>(repeating: 0), p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0
                        for a in 0..<assets {
                            let row = UnsafeRawPointer(returns + a * history + start)
                            let w = SIMD2<Double>(repeating: weights[a])
                            p0 += row.loadUnaligned(as: SIMD2<Double>.self) * w
                            p1 += row.loadUnaligned(fromByteOffset: 16, as: SIMD2<Double>.self) * w
                            p2 += row.loadUnaligned(fromByteOffset: 32, as: SIMD2<Double>.self) * w
                            p3 += row.loadUnaligned(fromByteOffset: 48, as: SIMD2<Double>.self) * w
                            p4 += row.loadUnaligned(fromByteOffset: 64, as: SIMD2<Double>.self) * w
                            p5 += row.loadUnaligned(fromByteOffset: 80, as: SIMD2<Double>.self) * w
                            p6 += row.loadUnaligned(fromByteOffset: 96, as: SIMD2<Double>.self) * w
                            p7 += row.loadUnaligned(fromByteOffset: 112, as: SIMD2<Double>.self) * w
                        }
                        let target = UnsafeMutableRawPointer(out + start)
                        target.storeBytes(of: p0, as: SIMD2<Double>.self)
                        target.storeBytes(of: p1, toByteOffset: 16, as: SIMD2<Double>.self)
                        target.storeBytes(of: p2, toByteOffset: 32, as: SIMD2<Double>.self)
                        target.storeBytes(of: p3, toByteOffset: 48, as: SIMD2<Double>.self)
                        target.storeBytes(of: p4, toByteOffset: 64, as: SIMD2<Double>.self)
                        target.storeBytes(of: p5, toByteOffset: 80, as: SIMD2<Double>.self)
                        target.storeBytes(of: p6, toByteOffset: 96, as: SIMD2<Double>.self)
                        target.storeBytes(of: p7, toByteOffset: 112, as: SIMD2<Double>.self)
                        minima[b] = HistoricalVaRBatch.blockMinimum(out + start)
                    }
                    if full < minima.count {
                        var m = Double.infinity
                        for h in (full * width)..<history {
                            var value = 0.0
                            for a in 0..<assets { value += weights[a] * returns[a * history + h] }
                            out[h] = value
                            if value < m { m = value }
                        }
                        minima[full] = m
                    }
                }
            }
        }

        /// (VaR, ES) as positive losses from the current P&L vector.
        @inline(never)
        public mutating func tailMeasures() -> (Double, Double) {
            let history = history, k = k, width = HistoricalVaRBatch.block
            let blocks = blockMinima.count
            return pnl.withUnsafeBufferPointer { pnl in
                blockMinima.withUnsafeMutableBufferPointer { minima in
                    tail.withUnsafeMutableBufferPointer { tail in
                        let values = pnl.baseAddress!
                        // The bound: the k-th smallest block minimum, or +∞ when there are fewer
                        // than k blocks (then every P&L is a candidate).
                        var bound = Double.infinity
                        if blocks >= k {
                            var filled = 0
                            for b in 0..<blocks { keepSmallest(minima[b], in: tail, filled: &filled) }
                            bound = tail[k - 1]
                        }
                        // Pass 2: candidates ≤ bound from the blocks that can hold them.
                        var filled = 0
                        for b in 0..<blocks where minima[b] <= bound {
                            for h in (b * width)..<min(history, (b + 1) * width) where values[h] <= bound {
                                keepSmallest(values[h], in: tail, filled: &filled)
                            }
                        }
                        var sum = 0.0
                        for index in 0..<k { sum += tail[index] }
                        return (-tail[k - 1], -sum / Double(k))
                    }
                }
            }
        }
    }

    /// The minimum of 16 values. Written as four running `a < b ? a : b` selects, which the
    /// compiler turns into `minpd`; the stdlib's `pointwiseMin`/`.min()` on SIMD vectors take a
    /// branchy NaN-aware path per lane.
    @inline(__always)
    static func blockMinimum(_ p: UnsafePointer<Double>) -> Double {
        var m0 = p[0], m1 = p[1], m2 = p[2], m3 = p[3]
        for j in stride(from: 4, to: 16, by: 4) {
            m0 = p[j] < m0 ? p[j] : m0
            m1 = p[j + 1] < m1 ? p[j + 1] : m1
            m2 = p[j + 2] < m2 ? p[j + 2] : m2
            m3 = p[j + 3] < m3 ? p[j + 3] : m3
        }
        m0 = m1 < m0 ? m1 : m0
        m2 = m3 < m2 ? m3 : m2
        return m2 < m0 ? m2 : m0
    }

    /// Keeps the `tail.count` smallest values seen, ascending (insertion into a short sorted run).
    @inline(__always)
    static func keepSmallest(_ value: Double, in tail: UnsafeMutableBufferPointer<Double>, filled: inout Int) {
        let k = tail.count
        var slot: Int
        if filled < k {
            slot = filled
            filled += 1
        } else if value < tail[k - 1] {
            slot = k - 1
        } else {
            return
        }
        while slot > 0 && tail[slot - 1] > value { tail[slot] = tail[slot - 1]; slot -= 1 }
        tail[slot] = value
    }
}
