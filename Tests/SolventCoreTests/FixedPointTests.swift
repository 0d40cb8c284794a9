import SolventCore
import SolventRandom
import Testing

/// Goal: the money layer is exact, rounds in the named direction, and reports overflow instead of
/// trapping. Method: hand-checked values and edges (zero, negative, Int64 limits).
struct FixedPointTests {
    @Test(arguments: [
        (Int64(7), Int64(3), Int64(2), Rounding.down, Int64(10)),
        (7, 3, 2, .up, 11),
        (-7, 3, 2, .down, -11),
        (-7, 3, 2, .up, -10),
        (6, 3, 2, .up, 9),
    ])
    func multiplyDivideRoundsInTheNamedDirection(a: Int64, b: Int64, d: Int64, rounding: Rounding, expected: Int64) {
        #expect(FixedPoint.multiplyDivide(a, b, d, rounding) == expected)
    }

    @Test func overflowIsAResultNotATrap() {
        #expect(FixedPoint.multiplyDivide(Int64.max, 2, 1, .down) == nil)
        #expect(FixedPoint.multiplyDivide(Int64.max, 2, 2, .down) == Int64.max)
        #expect(FixedPoint.multiplyDivide(Int64.max, Int64.max, Int64.max, Int128(1), .down) == nil)
    }

    @Test(arguments: [
        ("60123.45", 8, Int64(6_012_345_000_000)), ("-0.001", 8, -100_000), ("1e-4", 9, 100_000),
        ("0.004", 9, 4_000_000), ("2500", 6, 2_500_000_000), ("+3.10", 2, 310), ("0.000", 2, 0),
    ])
    func decimalStringsParseExactly(text: String, scale: Int, atoms: Int64) {
        #expect(DecimalText.parse(text, scale: scale) == .success(atoms))
    }

    @Test func badDecimalsAreRejectedNotRounded() {
        #expect(DecimalText.parse("0.123456789", scale: 8) == .failure(.tooManyDecimals(allowed: 8)))
        #expect(DecimalText.parse("1.2.3", scale: 8) == .failure(.invalidCharacter(".")))
        #expect(DecimalText.parse("abc", scale: 8) == .failure(.invalidCharacter("a")))
        #expect(DecimalText.parse("", scale: 8) == .failure(.empty))
        #expect(DecimalText.parse("99999999999999999999", scale: 8) == .failure(.overflow))
    }

    @Test func formattingRoundTrips() {
        for atoms: Int64 in [0, 1, -1, 4_769_076_305_220, Int64.max, Int64.min + 1] {
            let text = DecimalText.format(atoms, scale: 8)
            #expect(DecimalText.parse(text, scale: 8) == .success(atoms), "\(text)")
        }
        #expect(DecimalText.format(2_500_000_000, scale: 6) == "2500")
        #expect(DecimalText.format(-1_500_000, scale: 6) == "-1.5")
    }

    @Test func leverageReciprocalRoundsUp() {
        #expect(Rate.reciprocal(ofLeverage: 20) == Rate("0.05"))
        #expect(Rate.reciprocal(ofLeverage: 3).atoms == 333_333_334)
    }
}

/// Goal: the hardware-division fast path of `FixedPoint.divide` equals plain 128-bit floor and
/// ceiling division. Method: seeded random numerators of every magnitude and both signs, divisors
/// of 1 to 64 bits, compared with a reference written with Swift's own Int128 operators.
struct FixedPointDivisionTests {
    static func reference(_ n: Int128, _ d: Int128, _ rounding: Rounding) -> Int128 {
        let q = n / d
        let r = n % d
        if r == 0 { return q }
        switch rounding {
        case .down: return n < 0 ? q - 1 : q
        case .up: return n > 0 ? q + 1 : q
        }
    }

    @Test func fastPathEqualsReference() {
        var random = SplitMix64(seed: 5)
        for _ in 0..<200_000 {
            let shift = Int(random.next() % 126)
            var n = Int128(truncatingIfNeeded: (UInt128(random.next()) << 64 | UInt128(random.next())) >> shift)
            if random.next() & 1 == 0 { n = -n }
            let dBits = Int(random.next() % 64) + 1
            let d = Int128(max(1, random.next() >> (64 - dBits)))
            for rounding in [Rounding.down, .up] {
                #expect(FixedPoint.divide(n, by: d, rounding) == Self.reference(n, d, rounding), "\(n) / \(d)")
            }
        }
    }
}

extension FixedPointTests {
    @Test func extremeExponentsAreRejected() {
        #expect(DecimalText.parse("1e-9223372036854775808", scale: 8) == .failure(.invalidCharacter("e")))
        #expect(DecimalText.parse("1e400", scale: 8) == .failure(.invalidCharacter("e")))
    }
}

extension FixedPointTests {
    @Test func marketDataRoundsToTheNearestAtom() {
        #expect(DecimalText.parseRounded("86.000000004999", scale: 8) == 8_600_000_000)
        #expect(DecimalText.parseRounded("86.000000005", scale: 8) == 8_600_000_001)
        #expect(DecimalText.parseRounded("-1.000000005", scale: 8) == -100_000_001)
        #expect(DecimalText.parseRounded("124170.6", scale: 8) == 12_417_060_000_000)
        #expect(DecimalText.parseRounded("abc", scale: 8) == nil)
    }
}
