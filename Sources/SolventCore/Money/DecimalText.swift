/// Exact conversion between decimal strings (as venues' APIs carry them, "60123.45") and
/// fixed-point atoms. No floating point is involved at any step.
public enum DecimalText {
    /// Why a decimal string could not be read.
    public enum ParseError: Error, Equatable, Sendable {
        case empty
        case invalidCharacter(Character)
        case tooManyDecimals(allowed: Int)
        case overflow
    }

    /// Parses `text` into atoms at `scale` decimals. Accepts an optional sign, digits, one point
    /// and an optional exponent (`1e-4`, as JSON numbers may be written). Rejects more significant
    /// decimals than `scale` rather than rounding silently.
    public static func parse(_ text: String, scale: Int) -> Result<Int64, ParseError> {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let parsed = Int(mantissa[mantissa.index(after: e)...]), parsed.magnitude < 40 else {
                return .failure(.invalidCharacter("e"))
            }
            exponent = parsed
            mantissa = mantissa[..<e]
        }
        var negative = false
        if let first = mantissa.first, first == "-" || first == "+" {
            negative = first == "-"
            mantissa = mantissa.dropFirst()
        }
        guard !mantissa.isEmpty else { return .failure(.empty) }
        var digits: [UInt8] = []
        var decimals = 0
        var seenPoint = false
        for character in mantissa {
            if character == "." {
                if seenPoint { return .failure(.invalidCharacter(".")) }
                seenPoint = true
                continue
            }
            guard let digit = character.wholeNumberValue, character.isASCII else {
                return .failure(.invalidCharacter(character))
            }
            digits.append(UInt8(digit))
            if seenPoint { decimals += 1 }
        }
        guard !digits.isEmpty else { return .failure(.empty) }
        // value = digits × 10^(exponent − decimals); we need digits × 10^(scale + exponent − decimals)
        var shift = scale + exponent - decimals
        while shift < 0, let last = digits.last, last == 0, digits.count > 1 {
            digits.removeLast()
            shift += 1
        }
        if shift < 0 {
            if digits.allSatisfy({ $0 == 0 }) { return .success(0) }
            return .failure(.tooManyDecimals(allowed: scale))
        }
        var value: Int128 = 0
        for digit in digits {
            value = value * 10 + Int128(digit)
            if value > Int128(Int64.max) * 10 { return .failure(.overflow) }
        }
        for _ in 0..<shift {
            value *= 10
            if value > Int128(Int64.max) { return .failure(.overflow) }
        }
        if negative { value = -value }
        guard let atoms = FixedPoint.narrow(value) else { return .failure(.overflow) }
        return .success(atoms)
    }

    /// Parses like `parse`, but rounds extra decimals to the nearest atom (half away from zero):
    /// for market data written as float64 text, where a 1e-8 rounding is not a wrong price.
    public static func parseRounded(_ text: String, scale: Int) -> Int64? {
        switch parse(text, scale: scale) {
        case .success(let atoms): return atoms
        case .failure(.tooManyDecimals):
            // Keep `scale` decimals, round on the next digit.
            guard let point = text.firstIndex(of: "."), !text.contains("e"), !text.contains("E") else { return nil }
            let decimals = text[text.index(after: point)...]
            guard decimals.count > scale, let next = decimals.dropFirst(scale).first?.wholeNumberValue else {
                return nil
            }
            let kept = String(text[..<point]) + "." + decimals.prefix(scale)
            guard case .success(let truncated) = parse(kept, scale: scale) else { return nil }
            if next < 5 { return truncated }
            return text.hasPrefix("-") ? FixedPoint.subtract(truncated, 1) : FixedPoint.add(truncated, 1)
        case .failure: return nil
        }
    }

    /// Formats atoms at `scale` decimals exactly, without trailing zeros ("47690.7631", "2500").
    public static func format(_ atoms: Int64, scale: Int) -> String {
        format(wide: Int128(atoms), scale: scale)
    }

    /// Formats a 128-bit atom count at `scale` decimals exactly.
    public static func format(wide atoms: Int128, scale: Int) -> String {
        let negative = atoms < 0
        let magnitude = atoms.magnitude
        let unit = UInt128(FixedPoint.powerOfTen128(scale))
        let whole = magnitude / unit
        var fraction = magnitude % unit
        var text = negative ? "-" : ""
        text += String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: scale - digits.count) + digits
            while digits.last == "0" { digits.removeLast() }
            text += "." + digits
            fraction = 0
        }
        return text
    }
}
