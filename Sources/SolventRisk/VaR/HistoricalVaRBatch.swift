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
        var quad = QuadWorkspace(history: history, tail: k)
        let grouped = portfolios / 4 * 4
        holdings.withUnsafeBufferPointer { weights in
            scenarios.returns.withUnsafeBufferPointer { returns in
                // Four portfolios per pass over the returns: each block of scenario returns is
                // loaded once for four P&L vectors.
                var p = 0
                while p < grouped {
                    quad.profitAndLoss(weights: weights.baseAddress! + p * assets, assets: assets, returns: returns.baseAddress!)
                    for g in 0..<4 {
                        let (v, e) = quad.tailMeasures(g)
                        valueAtRisk[p + g] = v
                        shortfall[p + g] = e
                    }
                    p += 4
                }
                for p in grouped..<portfolios {
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
        public internal(set) var pnl: [Double]
        var blockMinima: [Double]
        var tail: [Double]
        /// Candidate block indices, then candidate P&Ls (room for every scenario).
        var candidates: [Double]

        public init(history: Int, tail k: Int) {
            self.history = history
            self.k = k
            pnl = [Double](repeating: 0, count: history)
            blockMinima = [Double](repeating: 0, count: (history + HistoricalVaRBatch.block - 1) / HistoricalVaRBatch.block)
            tail = [Double](repeating: 0, count: k)
            candidates = [Double](repeating: 0, count: history + (history + HistoricalVaRBatch.block - 1) / HistoricalVaRBatch.block)
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
                        HistoricalVaRBatch.tail(weights, assets, returns, history, from: full * width, into: out, minimum: &minima[full])
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
                        // Pass 2: candidates ≤ bound from the blocks that can hold them. Both
                        // filters are branch-free compactions (write, then advance by the
                        // comparison): on random P&Ls a branch per value mispredicts often.
                        return candidates.withUnsafeMutableBufferPointer { buffer in
                            let picked = buffer.baseAddress!
                            var blockCount = 0
                            for b in 0..<blocks {
                                picked[blockCount] = Double(b)
                                blockCount &+= HistoricalVaRBatch.one(minima[b] <= bound)
                            }
                            // Block indices fill the first `blocks` slots; values go after them.
                            var count = 0
                            let values0 = picked + blocks
                            for index in 0..<blockCount {
                                let b = Int(picked[index])
                                let end = min(history, (b + 1) * width)
                                for h in (b * width)..<end {
                                    let value = values[h]
                                    values0[count] = value
                                    count &+= HistoricalVaRBatch.one(value <= bound)
                                }
                            }
                            var filled = 0
                            for index in 0..<count { keepSmallest(values0[index], in: tail, filled: &filled) }
                            var sum = 0.0
                            for index in 0..<k { sum += tail[index] }
                            return (-tail[k - 1], -sum / Double(k))
                        }
                    }
                }
            }
        }
    }

    /// Four portfolios' workspaces, filled together.
    struct QuadWorkspace {
        // Four stored properties, not an array: the kernel holds all eight buffers at once,
        // which exclusivity allows for disjoint stored properties only.
        var w0: Workspace, w1: Workspace, w2: Workspace, w3: Workspace

        init(history: Int, tail k: Int) {
            w0 = Workspace(history: history, tail: k)
            (w1, w2, w3) = (w0, w0, w0)
        }

        mutating func tailMeasures(_ g: Int) -> (Double, Double) {
            switch g {
            case 0: w0.tailMeasures()
            case 1: w1.tailMeasures()
            case 2: w2.tailMeasures()
            default: w3.tailMeasures()
            }
        }

        /// The P&L vectors and block minima of four consecutive portfolios (`weights` points at
        /// the first one's holdings): per block of 16 scenarios, each asset's 16 returns are
        /// two 8-lane loads shared by four pairs of accumulators (eight registers), so the
        /// 40 KB return matrix is read once per four portfolios instead of once per portfolio.
        @inline(never)
        mutating func profitAndLoss(weights: UnsafePointer<Double>, assets: Int, returns: UnsafePointer<Double>) {
            typealias Lanes = SIMD8<Double>
            let history = w0.history, width = HistoricalVaRBatch.block
            let full = history / width
            w0.pnl.withUnsafeMutableBufferPointer { pnl0 in
            w1.pnl.withUnsafeMutableBufferPointer { pnl1 in
            w2.pnl.withUnsafeMutableBufferPointer { pnl2 in
            w3.pnl.withUnsafeMutableBufferPointer { pnl3 in
            w0.blockMinima.withUnsafeMutableBufferPointer { min0 in
            w1.blockMinima.withUnsafeMutableBufferPointer { min1 in
            w2.blockMinima.withUnsafeMutableBufferPointer { min2 in
            w3.blockMinima.withUnsafeMutableBufferPointer { min3 in
                let outs = (pnl0.baseAddress!, pnl1.baseAddress!, pnl2.baseAddress!, pnl3.baseAddress!)
                for b in 0..<full {
                    let start = b * width
                    var a0 = Lanes.zero, a1 = Lanes.zero, b0 = Lanes.zero, b1 = Lanes.zero
                    var c0 = Lanes.zero, c1 = Lanes.zero, d0 = Lanes.zero, d1 = Lanes.zero
                    for a in 0..<assets {
                        let row = UnsafeRawPointer(returns + a * history + start)
                        let low = row.loadUnaligned(as: Lanes.self)
                        let high = row.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
                        let wa = Lanes(repeating: weights[a]), wb = Lanes(repeating: weights[assets + a])
                        let wc = Lanes(repeating: weights[2 * assets + a]), wd = Lanes(repeating: weights[3 * assets + a])
                        a0 = a0.addingProduct(low, wa); a1 = a1.addingProduct(high, wa)
                        b0 = b0.addingProduct(low, wb); b1 = b1.addingProduct(high, wb)
                        c0 = c0.addingProduct(low, wc); c1 = c1.addingProduct(high, wc)
                        d0 = d0.addingProduct(low, wd); d1 = d1.addingProduct(high, wd)
                    }
                    HistoricalVaRBatch.store(a0, a1, outs.0 + start)
                    HistoricalVaRBatch.store(b0, b1, outs.1 + start)
                    HistoricalVaRBatch.store(c0, c1, outs.2 + start)
                    HistoricalVaRBatch.store(d0, d1, outs.3 + start)
                    min0[b] = HistoricalVaRBatch.blockMinimum(outs.0 + start)
                    min1[b] = HistoricalVaRBatch.blockMinimum(outs.1 + start)
                    min2[b] = HistoricalVaRBatch.blockMinimum(outs.2 + start)
                    min3[b] = HistoricalVaRBatch.blockMinimum(outs.3 + start)
                }
                if full < min0.count {
                    let first = full * width
                    HistoricalVaRBatch.tail(weights, assets, returns, history, from: first, into: outs.0, minimum: &min0[full])
                    HistoricalVaRBatch.tail(weights + assets, assets, returns, history, from: first, into: outs.1, minimum: &min1[full])
                    HistoricalVaRBatch.tail(weights + 2 * assets, assets, returns, history, from: first, into: outs.2, minimum: &min2[full])
                    HistoricalVaRBatch.tail(weights + 3 * assets, assets, returns, history, from: first, into: outs.3, minimum: &min3[full])
                }
            }}}}}}}}
        }
    }

    /// 1 for true, 0 for false, as data: written `condition ? 1 : 0`, the compiler emitted a
    /// conditional jump around the increment (seen in the profile), which mispredicts.
    @inline(__always)
    static func one(_ condition: Bool) -> Int {
        Int(truncatingIfNeeded: unsafeBitCast(condition, to: UInt8.self))
    }

    /// The P&Ls of the scenarios after the last full block, and their minimum.
    static func tail(_ w: UnsafePointer<Double>, _ assets: Int, _ returns: UnsafePointer<Double>, _ history: Int,
                     from first: Int, into out: UnsafeMutablePointer<Double>, minimum: inout Double) {
        var m = Double.infinity
        for h in first..<history {
            var value = 0.0
            for a in 0..<assets { value = value.addingProduct(w[a], returns[a * history + h]) }
            out[h] = value
            if value < m { m = value }
        }
        minimum = m
    }

    @inline(__always)
    static func store(_ low: SIMD8<Double>, _ high: SIMD8<Double>, _ at: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(at).storeBytes(of: low, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(at).storeBytes(of: high, toByteOffset: 64, as: SIMD8<Double>.self)
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

    /// Keeps the `tail.count` smallest values seen, ascending. Once the tail is full a value
    /// below its largest is merged without data-dependent branches: from the top,
    /// tail[i] = min(tail[i], max(tail[i−1], value)) keeps an element, takes the value, or
    /// takes the element below, as the order requires (the shifting loop's exit, a branch on
    /// the data, mispredicted on random P&Ls).
    @inline(__always)
    static func keepSmallest(_ value: Double, in tail: UnsafeMutableBufferPointer<Double>, filled: inout Int) {
        let k = tail.count
        if filled < k {
            var slot = filled
            filled += 1
            while slot > 0 && tail[slot - 1] > value { tail[slot] = tail[slot - 1]; slot -= 1 }
            tail[slot] = value
            return
        }
        guard value < tail[k - 1] else { return }
        var i = k - 1
        while i > 0 {
            let below = tail[i - 1], current = tail[i]
            let raised = below > value ? below : value
            tail[i] = raised < current ? raised : current
            i -= 1
        }
        tail[0] = value < tail[0] ? value : tail[0]
    }
}
