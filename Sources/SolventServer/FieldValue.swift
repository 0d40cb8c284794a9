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

extension FieldValue {
    static func rate(_ value: APIDecimal, field: String) throws -> Rate {
        Rate(atoms: try decimal(value.text, field: field, scale: Rate.scale))
    }

    /// The rate of an optional field, or `fallback` (the engine's or the document's default).
    static func rate(_ value: APIDecimal?, field: String, default fallback: Rate) throws -> Rate {
        guard let value else { return fallback }
        return try rate(value, field: field)
    }

    /// The same with the default written as the document writes it ("0.8").
    static func rate(_ value: APIDecimal?, field: String, default fallback: StaticString) throws -> Rate {
        guard let value else { return Rate("\(fallback)")! }
        return try rate(value, field: field)
    }

    /// An amount in atoms of an asset with `scale` decimals, or `fallback` when absent.
    static func amount(_ value: APIDecimal?, field: String, scale: Int, default fallback: Int64) throws -> Int64 {
        guard let value else { return fallback }
        return try decimal(value.text, field: field, scale: scale)
    }

    /// A JSON integer within `range` (the document's minimum and maximum), never clamped.
    static func integer(_ value: Int, field: String, in range: ClosedRange<Int64>) throws -> Int64 {
        guard let number = Int64(exactly: value), range.contains(number) else {
            throw APIError.invalid(field, "expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// An optional JSON integer within `range`, or `fallback` when absent.
    static func integer(
        _ value: Int?, field: String, default fallback: Int64, in range: ClosedRange<Int64>
    ) throws -> Int64 {
        guard let value else { return fallback }
        return try integer(value, field: field, in: range)
    }

    /// A name (a symbol, a label): 1 to 64 bytes of UTF-8.
    static func name(_ text: String, field: String) throws -> String {
        guard !text.isEmpty, text.utf8.count <= 64 else {
            throw APIError.invalid(field, "expected a non-empty string of at most 64 bytes")
        }
        return text
    }

    /// A value of one of the engine's string enumerations, from the generated enumeration of the
    /// same values (the document lists what the engine takes; a value it does not is named).
    static func choice<T: RawRepresentable, Payload: RawRepresentable>(
        _ payload: Payload, field: String, as type: T.Type = T.self
    ) throws -> T where T.RawValue == String, Payload.RawValue == String {
        guard let value = T(rawValue: payload.rawValue) else {
            throw APIError.invalid(field, "unknown value \(payload.rawValue)")
        }
        return value
    }

    /// Each element of an array of 1 to `max` (the document's `maxItems`) read under its own path
    /// (`tiers[3]`), so that an error inside it names the element and its field (`tiers[3].cap`).
    static func elements<Element, T>(
        _ items: [Element], field: String, max: Int, of what: String = "objects",
        _ read: (Element, String) throws -> T
    ) throws -> [T] {
        guard !items.isEmpty, items.count <= max else {
            throw APIError.invalid(field, "expected an array of 1 to \(max) \(what)")
        }
        return try items.enumerated().map { index, item in try read(item, "\(field)[\(index)]") }
    }

    /// A tier table (`cap` in the settlement asset's `scale` decimals, absent on the last tier).
    static func tierTable(_ tiers: Components.Schemas.Tiers, scale: Int) throws -> RiskTierTable {
        let rows = try elements(tiers, field: "tiers", max: 32) { tier, path in
            RiskTier(
                notionalCap: try tier.cap.map {
                    Amount(atoms: try decimal($0.text, field: "\(path).cap", scale: scale))
                },
                initialRate: try rate(tier.initial, field: "\(path).initial"),
                maintenanceRate: try rate(tier.maintenance, field: "\(path).maintenance"))
        }
        switch RiskTierTable.make(tiers: rows) {
        case .success(let table): return table
        case .failure(let error): throw APIError.invalid("tiers.\(error.field)", error.reason)
        }
    }
}
