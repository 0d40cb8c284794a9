/// Historical-simulation VaR and ES for many linear portfolios over one scenario set (the
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
            precondition(
                assets > 0 && history > 0 && returns.count == assets * history, "returns must be assets × history")
            self.assets = assets
            self.history = history
            self.returns = returns
        }
    }

    /// VaR and ES (as positive losses) for each portfolio; `holdings[p * assets + a]`.
    public static func evaluate(
        holdings: [Double], scenarios: Scenarios, confidence: Double
    )
        -> (valueAtRisk: [Double], expectedShortfall: [Double])
    {
        let assets = scenarios.assets
        let history = scenarios.history
        precondition(holdings.count % assets == 0, "holdings must be portfolios × assets")
        let portfolios = holdings.count / assets
        let k = RiskMeasures.tailCount(scenarios: history, confidence: confidence)
        var valueAtRisk = [Double](repeating: 0, count: portfolios)
        var shortfall = [Double](repeating: 0, count: portfolios)
        var quad = QuadWorkspace(history: history, tail: k, assets: assets)
        // Four portfolios per pass over the returns, one per SIMD lane; a last group of fewer
        // is padded with empty portfolios (zero holdings), whose results are dropped.
        let grouped = portfolios / 4 * 4
        var last = [Double](repeating: 0, count: 4 * assets)
        last.replaceSubrange(0..<(portfolios - grouped) * assets, with: holdings[(grouped * assets)...])
        scenarios.returns.withUnsafeBufferPointer { returns in
            func group(_ weights: UnsafePointer<Double>, at p: Int) {
                quad.profitAndLoss(weights: weights, assets: assets, returns: returns.baseAddress!)
                let (v, e) = quad.tailMeasures()
                for g in 0..<min(4, portfolios - p) {
                    valueAtRisk[p + g] = v[g]
                    shortfall[p + g] = e[g]
                }
            }
            holdings.withUnsafeBufferPointer { weights in
                for p in stride(from: 0, to: grouped, by: 4) { group(weights.baseAddress! + p * assets, at: p) }
            }
            if grouped < portfolios { last.withUnsafeBufferPointer { group($0.baseAddress!, at: grouped) } }
        }
        return (valueAtRisk, shortfall)
    }

    static let block = 16

    /// Four portfolios evaluated together, one per SIMD lane: P&L, block minima and both tail
    /// passes. Lanes across portfolios rather than across scenarios: a scenario's P&L of the
    /// four is Σₐ r[a, h] · (the four holdings of asset a), one broadcast and one multiply-add
    /// per asset; a block's minimum is a running lane-wise minimum (no horizontal reduction,
    /// which the scenario-lane kernel did in scalar code for every block of every portfolio);
    /// and the tail merge needs no shuffle. Four doubles are one AVX2 register (half an
    /// AVX-512 one), so eight scenarios' accumulators and their inputs fit AVX2's sixteen.
    struct QuadWorkspace {
        typealias Quad = SIMD4<Double>
        let history: Int
        let k: Int
        /// pnl[h]: scenario h's P&L of the four portfolios.
        var pnl: [Quad]
        /// minima[b]: block b's minimum of each portfolio.
        var minima: [Quad]
        /// The four running tails, slot i holding each portfolio's i-th smallest so far.
        var tail: [Quad]
        /// Each portfolio's candidate P&Ls in pass 2 (a quarter each, room for every scenario).
        var candidates: [Double]
        /// The four holdings of each asset.
        var holdings: [Quad]

        init(history: Int, tail k: Int, assets: Int) {
            self.history = history
            self.k = k
            pnl = [Quad](repeating: .zero, count: history)
            minima = [Quad](
                repeating: .zero, count: (history + HistoricalVaRBatch.block - 1) / HistoricalVaRBatch.block)
            tail = [Quad](repeating: .zero, count: k)
            candidates = [Double](repeating: 0, count: 4 * history)
            holdings = [Quad](repeating: .zero, count: assets)
        }

        /// The P&L vectors and block minima of four consecutive portfolios (`weights` points at
        /// the first one's holdings), eight scenarios per step: eight independent accumulators
        /// hide the multiply-add latency, and the 40 KB return matrix is read once per four
        /// portfolios.
        // Kept out of line: inlined into `evaluate` beside the tail passes, the kernels share
        // registers and spill (measured on the scenario-lane kernel).
        @inline(never)
        mutating func profitAndLoss(weights: UnsafePointer<Double>, assets: Int, returns: UnsafePointer<Double>) {
            let history = history, width = HistoricalVaRBatch.block
            holdings.withUnsafeMutableBufferPointer { holdings in
                pnl.withUnsafeMutableBufferPointer { pnl in
                    minima.withUnsafeMutableBufferPointer { minima in
                        for a in 0..<assets {
                            holdings[a] = Quad(
                                weights[a], weights[assets + a], weights[2 * assets + a], weights[3 * assets + a])
                        }
                        let w = holdings.baseAddress!, out = pnl.baseAddress!, lowest = minima.baseAddress!
                        let steps = history / 8 * 8
                        var h = 0
                        while h < steps {
                            var p0 = Quad.zero, p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0
                            for a in 0..<assets {
                                let r = returns + a * history + h, wa = w[a]
                                p0 = p0.addingProduct(Quad(repeating: r[0]), wa);
                                p1 = p1.addingProduct(Quad(repeating: r[1]), wa)
                                p2 = p2.addingProduct(Quad(repeating: r[2]), wa);
                                p3 = p3.addingProduct(Quad(repeating: r[3]), wa)
                                p4 = p4.addingProduct(Quad(repeating: r[4]), wa);
                                p5 = p5.addingProduct(Quad(repeating: r[5]), wa)
                                p6 = p6.addingProduct(Quad(repeating: r[6]), wa);
                                p7 = p7.addingProduct(Quad(repeating: r[7]), wa)
                            }
                            (out[h], out[h + 1], out[h + 2], out[h + 3]) = (p0, p1, p2, p3)
                            (out[h + 4], out[h + 5], out[h + 6], out[h + 7]) = (p4, p5, p6, p7)
                            let m = Self.minimum(
                                Self.minimum(Self.minimum(p0, p1), Self.minimum(p2, p3)),
                                Self.minimum(Self.minimum(p4, p5), Self.minimum(p6, p7)))
                            // A block is sixteen scenarios: two steps, the first one starts it.
                            let b = h / width
                            lowest[b] = h % width == 0 ? m : Self.minimum(lowest[b], m)
                            h += 8
                        }
                        while h < history {
                            var value = Quad.zero
                            for a in 0..<assets {
                                value = value.addingProduct(Quad(repeating: returns[a * history + h]), w[a])
                            }
                            out[h] = value
                            let b = h / width
                            lowest[b] = h % width == 0 ? value : Self.minimum(lowest[b], value)
                            h += 1
                        }
                    }
                }
            }
        }

        /// (VaR, ES) of the four portfolios, lane by lane, by the two passes of the single
        /// workspace with each merge done for the four portfolios at once: a value vector v
        /// (one candidate per portfolio) enters the four sorted tails by
        /// tail[i] = min(tail[i], max(tail[i−1], v)) from the top — compare-and-blends with no
        /// branch on the data, where the scalar merge spent most of its time in the insertion
        /// loop's mispredicted exits.
        @inline(never)
        mutating func tailMeasures() -> (valueAtRisk: Quad, expectedShortfall: Quad) {
            let k = k, blocks = minima.count, history = history
            return pnl.withUnsafeBufferPointer { pnl in
                minima.withUnsafeBufferPointer { minima in
                    candidates.withUnsafeMutableBufferPointer { candidates in
                        tail.withUnsafeMutableBufferPointer { tail in
                            let slots = tail.baseAddress!, lanes = minima.baseAddress!
                            // Pass 1: the bound, each portfolio's k-th smallest block minimum (+∞ when
                            // there are fewer than k blocks: every P&L is then a candidate).
                            var bound = Quad(repeating: .infinity)
                            if blocks >= k {
                                slots.update(repeating: Quad(repeating: .infinity), count: k)
                                for b in 0..<blocks { Self.merge(lanes[b], into: slots, k) }
                                bound = slots[k - 1]
                            }
                            // Pass 2: each portfolio's candidates, compacted branch-free as in the single
                            // workspace, padded with +∞ to the longest list, then merged lane by lane.
                            let values = UnsafeRawPointer(pnl.baseAddress!)
                            let first = candidates.baseAddress!
                            let lists = (first, first + history, first + 2 * history, first + 3 * history)
                            let counts = (
                                HistoricalVaRBatch.compact(
                                    values, history, lanes, blocks, lane: 0, bound: bound[0], into: lists.0),
                                HistoricalVaRBatch.compact(
                                    values, history, lanes, blocks, lane: 1, bound: bound[1], into: lists.1),
                                HistoricalVaRBatch.compact(
                                    values, history, lanes, blocks, lane: 2, bound: bound[2], into: lists.2),
                                HistoricalVaRBatch.compact(
                                    values, history, lanes, blocks, lane: 3, bound: bound[3], into: lists.3)
                            )
                            let longest = Swift.max(Swift.max(counts.0, counts.1), Swift.max(counts.2, counts.3))
                            (lists.0 + counts.0).update(repeating: .infinity, count: longest - counts.0)
                            (lists.1 + counts.1).update(repeating: .infinity, count: longest - counts.1)
                            (lists.2 + counts.2).update(repeating: .infinity, count: longest - counts.2)
                            (lists.3 + counts.3).update(repeating: .infinity, count: longest - counts.3)
                            slots.update(repeating: Quad(repeating: .infinity), count: k)
                            for j in 0..<longest {
                                Self.merge(Quad(lists.0[j], lists.1[j], lists.2[j], lists.3[j]), into: slots, k)
                            }
                            // Ascending, as the single workspace sums its tail.
                            var sum = Quad.zero
                            for i in 0..<k { sum += slots[i] }
                            return (-slots[k - 1], -sum / Double(k))
                        }
                    }
                }
            }
        }

        /// Inserts one value per lane into the lanes' ascending tails of length k.
        @inline(__always)
        static func merge(_ value: Quad, into tail: UnsafeMutablePointer<Quad>, _ k: Int) {
            var i = k - 1
            var current = tail[i]
            while i > 0 {
                let below = tail[i - 1]
                let raised = below.replacing(with: value, where: value .> below)
                tail[i] = current.replacing(with: raised, where: raised .< current)
                current = below
                i -= 1
            }
            tail[0] = current.replacing(with: value, where: value .< current)
        }

        @inline(__always)
        static func minimum(_ a: Quad, _ b: Quad) -> Quad { a.replacing(with: b, where: b .< a) }
    }

    /// Lane `lane`'s candidates: the P&Ls ≤ bound of the blocks whose minimum is ≤ bound, in
    /// scenario order (`pnl[4h + lane]`: the four portfolios interleaved); returns how many.
    /// Both filters write, then advance by the comparison.
    @inline(__always)
    static func compact(
        _ pnl: UnsafeRawPointer, _ history: Int, _ minima: UnsafePointer<SIMD4<Double>>, _ blocks: Int,
        lane: Int, bound: Double, into out: UnsafeMutablePointer<Double>
    ) -> Int {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: blocks) { picked in
            var blockCount = 0
            for b in 0..<blocks {
                picked[blockCount] = b
                blockCount &+= one(minima[b][lane] <= bound)
            }
            // Lane `lane` of scenario h sits 32·h bytes past this (wrapping arithmetic: the
            // offsets are below 32·history, and checked multiplies cost a compare and a
            // branch per value in the loop).
            let column = pnl + lane &* 8
            var count = 0
            for index in 0..<blockCount {
                let first = picked[index] &* block
                let end = Swift.min(history, first &+ block)
                var h = first
                while h < end {
                    let value = column.load(fromByteOffset: h &* 32, as: Double.self)
                    out[count] = value
                    count &+= one(value <= bound)
                    h &+= 1
                }
            }
            return count
        }
    }

    /// 1 for true, 0 for false, as data: written `condition ? 1 : 0`, the compiler emitted a
    /// conditional jump around the increment (seen in the profile), which mispredicts.
    @inline(__always)
    static func one(_ condition: Bool) -> Int {
        Int(truncatingIfNeeded: unsafeBitCast(condition, to: UInt8.self))
    }
}
