/// Prices and Greeks (rho optional) of many European options at once, eight per step in one
/// SIMD register, every helper inlined (a call splits the vector into 128-bit pieces), with
/// the same formulas and conventions as `BlackScholes.valuation` (tested equal to it within
/// 1e-12 relative or 1e-13 × spot). Arrays in, arrays out (structure of arrays), so a chain or a
/// book is priced without a call per option. Lanes with zero time or zero volatility, the tail
/// of a batch shorter than eight, and (in a large batch) the few options before the outputs'
/// first 64-byte boundary go through the scalar path.
public struct OptionBatch: Sendable {
    /// +1 for a call, −1 for a put.
    public var sign: [Double] = []
    public var spot: [Double] = []
    public var strike: [Double] = []
    public var years: [Double] = []
    public var volatility: [Double] = []
    public var rate: [Double] = []
    public var dividend: [Double] = []

    public init() {}

    public init(_ options: [EuropeanOption]) {
        reserveCapacity(options.count)
        for option in options { append(option) }
    }

    public var count: Int { sign.count }

    public mutating func reserveCapacity(_ count: Int) {
        for keyPath in [\OptionBatch.sign, \.spot, \.strike, \.years, \.volatility, \.rate, \.dividend]
            as [WritableKeyPath<OptionBatch, [Double]>]
        {
            self[keyPath: keyPath].reserveCapacity(count)
        }
    }

    public mutating func append(_ option: EuropeanOption) {
        sign.append(option.right == .call ? 1 : -1)
        spot.append(option.spot)
        strike.append(option.strike)
        years.append(option.years)
        volatility.append(option.volatility)
        rate.append(option.rate)
        dividend.append(option.dividend)
    }

    public subscript(index: Int) -> EuropeanOption {
        EuropeanOption(
            right: sign[index] > 0 ? .call : .put, spot: spot[index], strike: strike[index], years: years[index],
            volatility: volatility[index], rate: rate[index], dividend: dividend[index])
    }
}

/// The results of a batch, one array per figure.
public struct ValuationBatch: Sendable {
    public var price: [Double]
    public var delta: [Double]
    public var gamma: [Double]
    public var vega: [Double]
    public var theta: [Double]
    /// Empty unless `includesRho`: price and four Greeks are what a risk check reads, and a
    /// sixth output array is a sixth stream of memory traffic.
    public var rho: [Double]
    public let includesRho: Bool

    public init(count: Int, includesRho: Bool = true) {
        price = [Double](repeating: 0, count: count)
        delta = price
        gamma = price
        vega = price
        theta = price
        rho = includesRho ? price : []
        self.includesRho = includesRho
    }
}

public enum BatchPricing {
    /// Prices and Greeks of every option of `batch` into `out` (resized if needed).
    public static func valuate(_ batch: OptionBatch, into out: inout ValuationBatch) {
        let count = batch.count
        if out.price.count != count { out = ValuationBatch(count: count, includesRho: out.includesRho) }
        let withRho = out.includesRho
        typealias Lanes = SIMD8<Double>
        func load(_ array: UnsafeBufferPointer<Double>, _ at: Int) -> Lanes {
            UnsafeRawPointer(array.baseAddress! + at).loadUnaligned(as: Lanes.self)
        }
        func store(_ value: Lanes, _ array: UnsafeMutableBufferPointer<Double>, _ at: Int) {
            UnsafeMutableRawPointer(array.baseAddress! + at).storeBytes(of: value, as: Lanes.self)
        }
        var scalarLanes: [Int] = []
        batch.sign.withUnsafeBufferPointer { sign in
            batch.spot.withUnsafeBufferPointer { spot in
                batch.strike.withUnsafeBufferPointer { strike in
                    batch.years.withUnsafeBufferPointer { years in
                        batch.volatility.withUnsafeBufferPointer { volatility in
                            batch.rate.withUnsafeBufferPointer { rate in
                                batch.dividend.withUnsafeBufferPointer { dividend in
                                    out.price.withUnsafeMutableBufferPointer { price in
                                        out.delta.withUnsafeMutableBufferPointer { delta in
                                            out.gamma.withUnsafeMutableBufferPointer { gamma in
                                                out.vega.withUnsafeMutableBufferPointer { vega in
                                                    out.theta.withUnsafeMutableBufferPointer { theta in
                                                        out.rho.withUnsafeMutableBufferPointer { rho in
                                                            MillsRatio.shared.polynomial.withUnsafeBufferPointer {
                                                                mills in
                                                                let coefficients = mills.baseAddress!
                                                                // Large batches start their vector steps where the price array is on a 64-byte
                                                                // boundary, the first few options going through the scalar path: an eight-lane
                                                                // load or store that straddles two cache lines is two accesses, and the arrays
                                                                // (16-byte aligned by the allocator) otherwise straddle on every step. Large
                                                                // arrays come from the same allocator path, so the others are usually aligned alike.
                                                                let lead =
                                                                    count >= 512
                                                                    ? (64 - Int(bitPattern: price.baseAddress!) % 64)
                                                                        % 64 / 8 : 0
                                                                for index in 0..<lead { scalarLanes.append(index) }
                                                                let full = lead + (count - lead) / 8 * 8
                                                                var at = lead
                                                                while at < full {
                                                                    let w = load(sign, at), s = load(spot, at),
                                                                        k = load(strike, at), t = load(years, at)
                                                                    let v = load(volatility, at), r = load(rate, at),
                                                                        q = load(dividend, at)
                                                                    let (rootT, inverseRootT) =
                                                                        VectorMath.rootAndReciprocal(t)
                                                                    let deviation = v * rootT
                                                                    // Zero time or volatility (or NaN: the reciprocal root of 0 is NaN here) goes to
                                                                    // the scalar path, which handles the limits.
                                                                    let vectorLanes = deviation .> 0
                                                                    if !all(vectorLanes) {
                                                                        for lane in 0..<8 where !vectorLanes[lane] {
                                                                            scalarLanes.append(at + lane)
                                                                        }
                                                                    }
                                                                    // Divisions are the slowest vector operation here, so the kernel has two: S/K
                                                                    // (needed first, for the log) and one reciprocal of S·σ·e^{−rT}, from which 1/S,
                                                                    // 1/σ and e^{rT} follow by multiplication. Lanes with zero time or volatility
                                                                    // compute garbage here and are overwritten by the scalar path.
                                                                    let moneyness = s / k
                                                                    let dividendDiscount = VectorMath.exp(-q * t)
                                                                    let discount = VectorMath.exp(-r * t)
                                                                    let inverseProduct = 1 / (s * v * discount)
                                                                    let inverseSpot = v * discount * inverseProduct
                                                                    let inverseVolatility =
                                                                        s * discount * inverseProduct
                                                                    let growth = s * v * inverseProduct  // e^{rT}
                                                                    let inverseDeviation =
                                                                        inverseRootT * inverseVolatility
                                                                    let d1 =
                                                                        (VectorMath.log(moneyness) + (r - q) * t)
                                                                        .addingProduct(0.5 * v * v, t)
                                                                        * inverseDeviation
                                                                    let d2 = d1 - deviation
                                                                    let density =
                                                                        VectorMath.exp(-0.5 * d1 * d1)
                                                                        * VectorMath.inverseRootTwoPi
                                                                    let sq = s * dividendDiscount
                                                                    let kr = k * discount
                                                                    // φ(d₂) from φ(d₁): S·e^{−qT}·φ(d₁) = K·e^{−rT}·φ(d₂).
                                                                    let (nd1, nd2) = VectorMath.cumulativeNormal(
                                                                        w * d1, density: density, w * d2,
                                                                        density: density * moneyness * dividendDiscount
                                                                            * growth,
                                                                        coefficients: coefficients)
                                                                    let value = w * (sq * nd1 - kr * nd2)
                                                                    store(
                                                                        value.replacing(with: 0, where: value .< 0),
                                                                        price, at)
                                                                    store(w * dividendDiscount * nd1, delta, at)
                                                                    store(
                                                                        dividendDiscount * density * inverseDeviation
                                                                            * inverseSpot, gamma, at)
                                                                    let densityValue = sq * density
                                                                    store(densityValue * rootT, vega, at)
                                                                    store(
                                                                        -densityValue * (0.5 * v) * inverseRootT + w
                                                                            * (q * sq * nd1 - r * kr * nd2), theta, at)
                                                                    if withRho {
                                                                        store(w * k * t * discount * nd2, rho, at)
                                                                    }
                                                                    at += 8
                                                                }
                                                                for index in full..<count { scalarLanes.append(index) }
                                                                for index in scalarLanes {
                                                                    let option = EuropeanOption(
                                                                        right: sign[index] > 0 ? .call : .put,
                                                                        spot: spot[index], strike: strike[index],
                                                                        years: years[index],
                                                                        volatility: volatility[index],
                                                                        rate: rate[index], dividend: dividend[index])
                                                                    let v = BlackScholes.valuation(option)
                                                                    (
                                                                        price[index], delta[index], gamma[index],
                                                                        vega[index], theta[index]
                                                                    ) = (v.price, v.delta, v.gamma, v.vega, v.theta)
                                                                    if withRho { rho[index] = v.rho }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
