/// The vector functions on sixteen lanes, as two independent halves of eight: the solver's step
/// is one long dependent chain (exp, the normal, log, four divisions), so two groups in flight
/// let the core overlap them.
enum Wide {
    typealias Lanes = SIMD16<Double>

    // Written out per function: through a closure (`halves(x, VectorMath.exp)`) the compiler
    // kept an out-of-line copy with the halves spilled to the stack.
    @inline(__always) static func exp(_ x: Lanes) -> Lanes {
        Lanes(lowHalf: VectorMath.exp(x.lowHalf), highHalf: VectorMath.exp(x.highHalf))
    }
    @inline(__always) static func log(_ x: Lanes) -> Lanes {
        Lanes(lowHalf: VectorMath.log(x.lowHalf), highHalf: VectorMath.log(x.highHalf))
    }
    @inline(__always) static func squareRoot(_ x: Lanes) -> Lanes {
        Lanes(lowHalf: VectorMath.squareRoot(x.lowHalf), highHalf: VectorMath.squareRoot(x.highHalf))
    }
    @inline(__always) static func magnitude(_ x: Lanes) -> Lanes {
        Lanes(lowHalf: VectorMath.magnitude(x.lowHalf), highHalf: VectorMath.magnitude(x.highHalf))
    }

    /// φ(x) = e^{−x²/2}/√(2π).
    @inline(__always) static func normalDensity(_ x: Lanes) -> Lanes {
        exp(-0.5 * x * x) * VectorMath.inverseRootTwoPi
    }

    @inline(__always)
    static func maximum(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .> a) }

    @inline(__always)
    static func clamp(_ x: Lanes, _ low: Double, _ high: Double) -> Lanes {
        Lanes(lowHalf: VectorMath.clamp(x.lowHalf, low, high), highHalf: VectorMath.clamp(x.highHalf, low, high))
    }

    @inline(__always)
    static func cumulativeNormal(
        _ x: Lanes, density: Lanes, _ y: Lanes, density yDensity: Lanes,
        coefficients: UnsafePointer<Double>
    ) -> (Lanes, Lanes) {
        let (xLow, yLow) = VectorMath.cumulativeNormal(
            x.lowHalf, density: density.lowHalf, y.lowHalf, density: yDensity.lowHalf,
            coefficients: coefficients)
        let (xHigh, yHigh) = VectorMath.cumulativeNormal(
            x.highHalf, density: density.highHalf, y.highHalf,
            density: yDensity.highHalf, coefficients: coefficients)
        return (Lanes(lowHalf: xLow, highHalf: xHigh), Lanes(lowHalf: yLow, highHalf: yHigh))
    }
}
