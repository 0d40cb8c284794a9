/// exp, log and the normal CDF on eight doubles at once, for batch pricing (the scalar libm
/// calls dominate a price-and-Greeks evaluation). exp: range reduction by ln 2 (split in two
/// parts) and a degree-12 Taylor polynomial, relative error ~1e-16; log: exponent and mantissa in
/// [√½, √2) by an integer offset (no compare), 2·atanh series to s¹⁰, relative error ~1e-16; Φ: `MillsRatio` (absolute error
/// below 2e-15). Tested against the scalar functions.
enum VectorMath {
    typealias Lanes = SIMD8<Double>

    static let ln2High = 0.693_147_180_369_123_816_49
    static let ln2Low = 1.908_214_929_270_587_700_02e-10
    static let log2e = 1.442_695_040_888_963_407_36
    static let inverseRootTwoPi = 0.398_942_280_401_432_677_94

    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        let clamped = clamp(x, -708, 709)
        let n = (clamped * log2e).rounded(.toNearestOrEven)
        let r = clamped.addingProduct(n, -ln2High).addingProduct(n, -ln2Low)
        // Horner on 1/k!, k = 12…0 (truncation below 2e-16 relative for |r| ≤ ln2/2) (literals: no array access in the hot loop). Estrin's scheme
        // was measured slower here (more live registers, spills).
        var p = Lanes(repeating: 1.0 / 479_001_600)
        p = Lanes(repeating: 1.0 / 39_916_800).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 3_628_800).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 362_880).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 40_320).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 5_040).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 720).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 120).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 24).addingProduct(p, r)
        p = Lanes(repeating: 1.0 / 6).addingProduct(p, r)
        p = Lanes(repeating: 0.5).addingProduct(p, r)
        p = Lanes(repeating: 1).addingProduct(p, r)
        p = Lanes(repeating: 1).addingProduct(p, r)
        return p * powerOfTwo(n)
    }

    /// 2^n for integral n in [−1022, 1023], without a float-to-integer conversion: n + 1023 +
    /// 2^52 holds n + 1023 in its low mantissa bits, which become the exponent field.
    @inline(__always)
    static func powerOfTwo(_ n: Lanes) -> Lanes {
        let biased = unsafeBitCast(n + (1023 + 4_503_599_627_370_496.0), to: SIMD8<UInt64>.self) & 0x7ff
        return unsafeBitCast(biased &<< 52, to: Lanes.self)
    }

    /// Small non-negative integral doubles (below 2^52) as integers, by the same trick.
    @inline(__always)
    static func integers(_ x: Lanes) -> SIMD8<UInt64> {
        unsafeBitCast(x + 4_503_599_627_370_496.0, to: SIMD8<UInt64>.self) & 0x000f_ffff_ffff_ffff
    }

    /// Natural log of positive normal numbers. Transparent (inlined at the SIL level), like the
    /// other kernels' helpers: a SIMD8 argument or result crosses a call as four 128-bit
    /// registers, and the split and rejoin around an out-of-line call cost more than the log
    /// (seen in the machine code of the pricing loop).
    @_transparent
    static func log(_ x: Lanes) -> Lanes {
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        // The biased exponent field as a double: its bits under 2^52's exponent, minus 2^52.
        // Shift the bits so that the mantissa lands in [√½, √2) without a compare: offset by
        // the distance from 1 to √½'s bit pattern, split exponent and mantissa, shift back.
        let rootHalf: UInt64 = 0x3fe6_a09e_667f_3bcd
        let shifted = bits &+ (0x3ff0_0000_0000_0000 &- rootHalf)
        // The biased exponent field as a double: its bits under 2^52's exponent, minus 2^52.
        let field = unsafeBitCast((shifted &>> 52) | 0x4330_0000_0000_0000, to: Lanes.self) - 4_503_599_627_370_496.0
        let exponent = field - 1023
        let mantissa = unsafeBitCast((shifted & 0x000f_ffff_ffff_ffff) &+ rootHalf, to: Lanes.self)
        let f = (mantissa - 1) / (mantissa + 1)
        let s = f * f
        // Horner on 1/k, k = 21, 19, …, 1 (literals: a `stride` loop here is an iterator call).
        var series = Lanes(repeating: 1.0 / 21)
        series = Lanes(repeating: 1.0 / 19).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 17).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 15).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 13).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 11).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 9).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 7).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 5).addingProduct(series, s)
        series = Lanes(repeating: 1.0 / 3).addingProduct(series, s)
        series = Lanes(repeating: 1).addingProduct(series, s)
        return (2 * f * series).addingProduct(exponent, ln2Low).addingProduct(exponent, ln2High)
    }

    /// |x| lane by lane (the sign bit cleared).
    @inline(__always)
    static func magnitude(_ x: Lanes) -> Lanes {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt64>.self) & 0x7fff_ffff_ffff_ffff, to: Lanes.self)
    }

    // The standard library's `pointwiseMin`/`pointwiseMax`/`clamped` and `squareRoot()` on SIMD
    // vectors run lane by lane (NaN-ordering rules, and a branch to libm's `sqrt` for errno):
    // measured as calls in the kernels' machine code. These are a compare and a blend (`vminpd`),
    // and Newton's method for the square root.

    @inline(__always)
    static func minimum(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func maximum(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .> a) }

    @inline(__always)
    static func clamp(_ x: Lanes, _ low: Double, _ high: Double) -> Lanes {
        minimum(maximum(x, Lanes(repeating: low)), Lanes(repeating: high))
    }

    /// √x for non-negative normal x (0 gives 0): the reciprocal root from the exponent-halving
    /// bit trick, four Newton steps (relative error 3 % → 1e-21 before rounding), then one
    /// Heron correction with a fused residual; within 1 ulp (tested).
    @inline(__always)
    static func squareRoot(_ x: Lanes) -> Lanes {
        rootAndReciprocal(x).root.replacing(with: 0, where: x .== 0)
    }

    /// √x and 1/√x together for positive normal x: the same Newton iteration, whose reciprocal
    /// root (within about 1 ulp after four steps) is otherwise thrown away. Zero lanes give
    /// NaN (the first guess squared overflows); callers route them elsewhere.
    @inline(__always)
    static func rootAndReciprocal(_ x: Lanes) -> (root: Lanes, reciprocal: Lanes) {
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        var y = unsafeBitCast(0x5fe6_eb50_c7b5_37a9 &- (bits &>> 1), to: Lanes.self)
        let half = 0.5 * x
        for _ in 0..<4 { y = y * Lanes(repeating: 1.5).addingProduct(-half, y * y) }
        let root = x * y
        let residual = x.addingProduct(-root, root)
        return (root.addingProduct(0.5 * y, residual), y)
    }

    /// The smallest lane (halving compare-and-selects; NaN lanes are not expected).
    @inline(__always)
    static func lowest(_ x: Lanes) -> Double {
        let swapped = Lanes(lowHalf: x.highHalf, highHalf: x.lowHalf)
        let four = x.replacing(with: swapped, where: swapped .< x).lowHalf
        let pair = SIMD4(lowHalf: four.highHalf, highHalf: four.lowHalf)
        let two = four.replacing(with: pair, where: pair .< four)
        return two[1] < two[0] ? two[1] : two[0]
    }
}
