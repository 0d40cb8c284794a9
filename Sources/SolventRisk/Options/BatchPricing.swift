/// Prices and Greeks of many European options at once, sixteen per step in SIMD registers (two
/// independent halves of eight, so that their dependency chains overlap), with
/// the same formulas and conventions as `BlackScholes.valuation` (tested equal to it within
/// 1e-12 relative or 1e-13 × spot). Arrays in, arrays out (structure of arrays), so a chain or a
/// book is priced without a call per option. Lanes with zero time or zero volatility, and the
/// tail of a batch shorter than eight, go through the scalar path.
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
        for keyPath in [\OptionBatch.sign, \.spot, \.strike, \.years, \.volatility, \.rate, \.dividend] as [WritableKeyPath<OptionBatch, [Double]>] {
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
        EuropeanOption(right: sign[index] > 0 ? .call : .put, spot: spot[index], strike: strike[index], years: years[index],
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
    public var rho: [Double]

    public init(count: Int) {
        price = [Double](repeating: 0, count: count)
        delta = price
        gamma = price
        vega = price
        theta = price
        rho = price
    }
}

public enum BatchPricing {
    /// Prices and Greeks of every option of `batch` into `out` (resized if needed).
    public static func valuate(_ batch: OptionBatch, into out: inout ValuationBatch) {
        let count = batch.count
        if out.price.count != count { out = ValuationBatch(count: count) }
        let full = count / 16 * 16
        typealias Lanes = SIMD16<Double>
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
        MillsRatio.shared.coefficients.withUnsafeBufferPointer { mills in
            let coefficients = mills.baseAddress!
            var at = 0
            while at < full {
                let w = load(sign, at), s = load(spot, at), k = load(strike, at), t = load(years, at)
                let v = load(volatility, at), r = load(rate, at), q = load(dividend, at)
                let rootT = Wide.squareRoot(t)
                let deviation = v * rootT
                if any(deviation .<= 0) {
                    for lane in 0..<16 where deviation[lane] <= 0 { scalarLanes.append(at + lane) }
                }
                let safeDeviation = deviation.replacing(with: 1, where: deviation .<= 0)
                let dividendDiscount = Wide.exp(-q * t)
                let discount = Wide.exp(-r * t)
                let d1 = (Wide.log(s / k) + (r - q) * t) / safeDeviation + 0.5 * safeDeviation
                let d2 = d1 - safeDeviation
                let density = Wide.normalDensity(d1)
                let sq = s * dividendDiscount
                let kr = k * discount
                // φ(d₂) from φ(d₁): S·e^{−qT}·φ(d₁) = K·e^{−rT}·φ(d₂).
                let (nd1, nd2) = Wide.cumulativeNormal(w * d1, density: density, w * d2, density: density * sq / kr,
                                                             coefficients: coefficients)
                let value = w * (sq * nd1 - kr * nd2)
                store(value.replacing(with: 0, where: value .< 0), price, at)
                store(w * dividendDiscount * nd1, delta, at)
                store(dividendDiscount * density / (s * safeDeviation), gamma, at)
                store(sq * density * rootT, vega, at)
                store(-sq * density * v / (2 * rootT.replacing(with: 1, where: rootT .<= 0)) + w * (q * sq * nd1 - r * kr * nd2), theta, at)
                store(w * k * t * discount * nd2, rho, at)
                at += 16
            }
            for index in full..<count { scalarLanes.append(index) }
            for index in scalarLanes {
                let option = EuropeanOption(right: sign[index] > 0 ? .call : .put, spot: spot[index], strike: strike[index],
                                            years: years[index], volatility: volatility[index], rate: rate[index], dividend: dividend[index])
                let v = BlackScholes.valuation(option)
                (price[index], delta[index], gamma[index], vega[index], theta[index], rho[index]) = (v.price, v.delta, v.gamma, v.vega, v.theta, v.rho)
            }
        }}}}}}}}}}}}}}
    }
}
