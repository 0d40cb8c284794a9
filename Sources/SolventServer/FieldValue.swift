import SolventCore

/// The API's field values checked and turned into the engine's types, with errors that name the
/// field: one set of rules for the generated operations (typed inputs) and the hand-routed ones
/// (`RequestBody`).
enum FieldValue {
    /// A decimal written as a JSON string, in atoms of `scale` decimals: refused when malformed,
    /// with more decimals than `scale`, or too large (never rounded, never clamped).
    static func decimal(_ text: String, field: String, scale: Int) throws -> Int64 {
        switch DecimalText.parse(text, scale: scale) {
        case .success(let atoms): return atoms
        case .failure(.overflow): throw tooLarge(text, field: field, scale: scale)
        // An exponent too large to read ("1e400") is a value too large too.
        case .failure(.invalidCharacter("e")) where (Double(text).map { $0.magnitude >= 1 } ?? false):
            throw tooLarge(text, field: field, scale: scale)
        case .failure(.tooManyDecimals):
            throw APIError.invalid(field, "expected a decimal with at most \(scale) decimals, got \(text)")
        case .failure:
            throw APIError.invalid(field, "expected a decimal (digits, one point, an optional exponent), got \(text)")
        }
    }

    private static func tooLarge(_ text: String, field: String, scale: Int) -> APIError {
        APIError.invalid(
            field,
            "out of range: too large (at most \(DecimalText.format(Int64.max, scale: scale)) in magnitude), got \(text)"
        )
    }

    static func price(_ text: String, field: String) throws -> Price {
        Price(atoms: try decimal(text, field: field, scale: Price.scale))
    }

    static func quantity(_ text: String, field: String) throws -> Quantity {
        Quantity(atoms: try decimal(text, field: field, scale: Quantity.scale))
    }
}
