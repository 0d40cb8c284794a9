import RealModule

/// Scenario (portfolio) margin: revalue every position under every scenario of a grid; the scan
/// risk is the worst weighted loss (0 if no scenario loses). Options are revalued in full
/// (Black–Scholes–Merton, instantaneous shocks: no time decay), linear positions (perpetuals,
/// futures on the same underlying) move one for one with the spot.
///
/// For many portfolios the exchange way is used: each contract of the chain is revalued under
/// each scenario once (the risk array), then a portfolio's scenario P&L is the sum of its
/// quantities times the contracts' rows — an aggregation over SIMD lanes.
public enum ScenarioMargin {
    /// One portfolio's result: scan risk, the scenario that sets it, and every scenario's
    /// weighted P&L.
    public struct Result: Hashable, Sendable {
        public var scanRisk: Double
        public var worstScenario: Int
        public var weightedPnl: [Double]
        public var pnl: [Double]
    }

    /// Options with their quantities (negative: short) and a quantity of the underlying held
    /// linearly; full revaluation through the erfc path.
    public static func evaluate(
        options: [(option: EuropeanOption, quantity: Double)], linear: Double = 0, spot: Double,
        grid: ScenarioGrid
    ) -> Result {
        var pnl = [Double](repeating: 0, count: grid.scenarios.count)
        for (option, quantity) in options {
            let base = BlackScholes.price(option)
            for (index, scenario) in grid.scenarios.enumerated() {
                var shocked = option
                shocked.spot = option.spot * (1 + scenario.spotMove)
                shocked.volatility = grid.shockedVolatility(
                    option.volatility, shock: scenario.volatilityShock, days: option.years * 365)
                pnl[index] += quantity * (BlackScholes.price(shocked) - base)
            }
        }
        for (index, scenario) in grid.scenarios.enumerated() { pnl[index] += linear * spot * scenario.spotMove }
        let weighted = zip(pnl, grid.scenarios).map { $0 * $1.weight }
        var worst = 0
        for index in weighted.indices where weighted[index] < weighted[worst] { worst = index }
        return Result(scanRisk: max(0, -weighted[worst]), worstScenario: worst, weightedPnl: weighted, pnl: pnl)
    }

    /// Weighted scenario P&L per unit of each contract, row by row, each row padded to a
    /// multiple of 8 lanes with zeros; row c starts at `rows[origin + c * stride]`.
    public struct RiskArray: Sendable {
        public let scenarios: Int
        public let stride: Int
        /// Where row 0 starts: the first element on a 64-byte boundary, so that no eight-lane
        /// load of a row straddles two cache lines (the array's storage is only 16-byte
        /// aligned; straddling loads made the AVX-512 build's aggregation ~30 % slower than
        /// the AVX2 build's). A copy that moves the storage keeps the layout, only the
        /// alignment may be lost.
        public let origin: Int
        public internal(set) var rows: [Double]
        /// Weighted P&L of one unit of the underlying held linearly.
        public internal(set) var linear: [Double]
    }

    /// The risk array of a chain on one underlying (every contract's `spot` is the current spot).
    public static func riskArray(contracts: [EuropeanOption], grid: ScenarioGrid) -> RiskArray {
        typealias Lanes = SIMD8<Double>
        let scenarios = grid.scenarios.count
        let stride = (scenarios + 7) / 8 * 8
        let chunks = stride / 8
        // Room for the alignment lead (at most seven elements).
        var rows = [Double](repeating: 0, count: contracts.count * stride + 8)
        let origin = rows.withUnsafeBufferPointer { (64 - Int(bitPattern: $0.baseAddress!) % 64) % 64 / 8 }
        let normal = MillsRatio.shared
        // Per scenario, sixteen lanes at a time (two chunks of eight: independent halves whose
        // dependency chains overlap); padding lanes: no move, no shock, weight 0.
        typealias Pair = SIMD16<Double>
        let pairs = (chunks + 1) / 2
        func lanes(_ value: (ScenarioGrid.Scenario) -> Double, padding: Double) -> [Pair] {
            (0..<pairs).map { pair in
                Pair(
                    (0..<16).map { lane in
                        let j = pair * 16 + lane
                        return j < scenarios ? value(grid.scenarios[j]) : padding
                    })
            }
        }
        let grossMoves = lanes({ 1 + $0.spotMove }, padding: 1)
        let logMoves = lanes({ Double.log(1 + $0.spotMove) }, padding: 0)
        let shocks = lanes({ $0.volatilityShock }, padding: 0)
        let weights = lanes({ $0.weight }, padding: 0)
        rows.withUnsafeMutableBufferPointer { out in
            normal.polynomial.withUnsafeBufferPointer { mills in
                let coefficients = mills.baseAddress!
                let base = UnsafeMutableRawPointer(out.baseAddress! + origin)
                for (c, option) in contracts.enumerated() {
                    let (s, k, t) = (option.spot, option.strike, option.years)
                    let w: Double = option.right == .call ? 1 : -1
                    let rootT = t.squareRoot()
                    let spotValue = s * Double.exp(-option.dividend * t)
                    let strikeValue = k * Double.exp(-option.rate * t)
                    let logForwardOverStrike = Double.log(s / k) + (option.rate - option.dividend) * t
                    // Today's value, on the same table as the scenarios.
                    let deviation0 = option.volatility * rootT
                    let value0: Double
                    if deviation0 > 0 {
                        let d1 = logForwardOverStrike / deviation0 + 0.5 * deviation0
                        value0 =
                            w
                            * (spotValue * normal.cumulative(w * d1) - strikeValue
                                * normal.cumulative(w * (d1 - deviation0)))
                    } else {
                        value0 = max(0, w * (spotValue - strikeValue))
                    }
                    // The volatility shock's scale by time to expiry is the same for every scenario.
                    let scale = grid.shockScale(days: t * 365)
                    for pair in 0..<pairs {
                        let sigma = (option.volatility * (1 + shocks[pair] * scale)).replacing(
                            with: 0, where: shocks[pair] * scale .< -1)
                        let deviation = sigma * rootT
                        let flat = deviation .<= 0
                        let safe = deviation.replacing(with: 1, where: flat)
                        let d1 = (logForwardOverStrike + logMoves[pair]) / safe + 0.5 * safe
                        let forwardValue = spotValue * grossMoves[pair]
                        // One density; φ(d₂) from S·e^{−qT}·φ(d₁) = K·e^{−rT}·φ(d₂).
                        let density = Wide.normalDensity(d1)
                        let (nd1, nd2) = Wide.cumulativeNormal(
                            w * d1, density: density, w * (d1 - safe),
                            density: density * forwardValue / strikeValue, coefficients: coefficients)
                        var value = w * (forwardValue * nd1 - strikeValue * nd2)
                        if any(flat) {
                            let intrinsic = w * (forwardValue - strikeValue)
                            value.replace(with: intrinsic.replacing(with: 0, where: intrinsic .< 0), where: flat)
                        }
                        let pnl = weights[pair] * (value - value0)
                        base.storeBytes(of: pnl.lowHalf, toByteOffset: (c * stride + pair * 16) * 8, as: Lanes.self)
                        // An odd last chunk: its high half is padding beyond the row.
                        if pair * 2 + 1 < chunks {
                            base.storeBytes(
                                of: pnl.highHalf, toByteOffset: (c * stride + pair * 16 + 8) * 8, as: Lanes.self)
                        }
                    }
                }
            }
        }
        var linear = [Double](repeating: 0, count: stride)
        for (j, scenario) in grid.scenarios.enumerated() { linear[j] = scenario.weight * scenario.spotMove }
        return RiskArray(scenarios: scenarios, stride: stride, origin: origin, rows: rows, linear: linear)
    }

    /// Portfolios as rows of (contract index, quantity): portfolio p holds entries
    /// `offsets[p]..<offsets[p + 1]`, plus `linear[p]` units of the underlying at `spot`.
    public struct Book: Sendable {
        public var offsets: [Int]
        public var contracts: [Int32]
        public var quantities: [Double]
        public var linear: [Double]
        public var spot: Double
        public init(offsets: [Int], contracts: [Int32], quantities: [Double], linear: [Double], spot: Double) {
            self.offsets = offsets
            self.contracts = contracts
            self.quantities = quantities
            self.linear = linear
            self.spot = spot
        }
    }

    /// Every portfolio's scan risk from the risk array.
    public static func margins(_ book: Book, riskArray array: RiskArray) -> [Double] {
        let chunks = array.stride / 8
        var result = [Double](repeating: 0, count: book.linear.count)
        let lastLanes = array.scenarios - (chunks - 1) * 8
        var padding = SIMD8<Double>(repeating: 0)
        for lane in lastLanes..<8 { padding[lane] = .infinity }
        array.rows.withUnsafeBufferPointer { rows in
            array.linear.withUnsafeBufferPointer { linearRow in
                book.offsets.withUnsafeBufferPointer { offsets in
                    book.contracts.withUnsafeBufferPointer { contracts in
                        book.quantities.withUnsafeBufferPointer { quantities in
                            book.linear.withUnsafeBufferPointer { linear in
                                result.withUnsafeMutableBufferPointer { out in
                                    let kernel = Kernel(
                                        rows: UnsafeRawPointer(rows.baseAddress! + array.origin),
                                        linearRow: UnsafeRawPointer(linearRow.baseAddress!),
                                        rowBytes: array.stride * 8, chunks: chunks, padding: padding, spot: book.spot)
                                    for p in 0..<linear.count {
                                        out[p] = kernel.scanRisk(
                                            entries: offsets[p]..<offsets[p + 1], contracts: contracts,
                                            quantities: quantities, linear: linear[p])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The aggregation: eight SIMD lanes of scenarios at a time; the common grids (up to 64
    /// scenarios) keep every accumulator in a register.
    private struct Kernel {
        typealias Lanes = SIMD8<Double>
        let rows: UnsafeRawPointer
        let linearRow: UnsafeRawPointer
        let rowBytes: Int
        let chunks: Int
        let padding: Lanes
        let spot: Double

        @inline(__always)
        func load(_ base: UnsafeRawPointer, _ chunk: Int) -> Lanes {
            base.loadUnaligned(fromByteOffset: chunk * 64, as: Lanes.self)
        }

        func scanRisk(
            entries: Range<Int>, contracts: UnsafeBufferPointer<Int32>, quantities: UnsafeBufferPointer<Double>,
            linear: Double
        ) -> Double {
            if chunks == 8 {
                return scanRisk64(entries: entries, contracts: contracts, quantities: quantities, linear: linear)
            }
            return withUnsafeTemporaryAllocation(of: Lanes.self, capacity: chunks) { acc in
                let units = Lanes(repeating: linear * spot)
                for chunk in 0..<chunks { acc[chunk] = units * load(linearRow, chunk) }
                for entry in entries {
                    let quantity = Lanes(repeating: quantities[entry])
                    let row = rows + Int(contracts[entry]) * rowBytes
                    for chunk in 0..<chunks { acc[chunk] = acc[chunk].addingProduct(quantity, load(row, chunk)) }
                }
                var worst = acc[chunks - 1] + padding
                for chunk in 0..<(chunks - 1) { worst = VectorMath.minimum(worst, acc[chunk]) }
                return max(0, -VectorMath.lowest(worst))
            }
        }

        /// 64 scenarios as two passes of 32 over the entries: four eight-lane accumulators per
        /// pass fit the sixteen vector registers of AVX2 (eight accumulators, all sixteen, spill
        /// there: 4.7 ms against 2.9 ms for the bench's book) as well as AVX-512's thirty-two.
        @inline(__always)
        private func scanRisk64(
            entries: Range<Int>, contracts: UnsafeBufferPointer<Int32>, quantities: UnsafeBufferPointer<Double>,
            linear: Double
        ) -> Double {
            let units = Lanes(repeating: linear * spot)
            var worst = Lanes(repeating: .infinity)
            for half in 0..<2 {
                let c = half * 4
                var a0 = units * load(linearRow, c), a1 = units * load(linearRow, c + 1)
                var a2 = units * load(linearRow, c + 2), a3 = units * load(linearRow, c + 3)
                for entry in entries {
                    let q = Lanes(repeating: quantities[entry])
                    let row = rows + Int(contracts[entry]) * rowBytes
                    // Fused multiply-adds (Swift does not contract `a += q * x` on its own).
                    a0 = a0.addingProduct(q, load(row, c)); a1 = a1.addingProduct(q, load(row, c + 1))
                    a2 = a2.addingProduct(q, load(row, c + 2)); a3 = a3.addingProduct(q, load(row, c + 3))
                }
                if half == 1 { a3 += padding }
                worst = VectorMath.minimum(
                    worst, VectorMath.minimum(VectorMath.minimum(a0, a1), VectorMath.minimum(a2, a3)))
            }
            return max(0, -VectorMath.lowest(worst))
        }
    }
}
