/// The API's scalar values as the generated types carry them (openapi-generator-config.yaml maps
/// the document's `AccountId`, `Id32` and `Decimal` schemas to these). Each decodes only its own
/// JSON type and refuses anything else by the field's path ("expected a decimal as a JSON string,
/// got a number"): Foundation's decoder would report a number too large for an integer as invalid
/// JSON without naming the field, and would never say what it found.

/// An account id: 1 to 18446744073709551615 (beyond `Int64.max`, which the generator's default
/// `Int` could not hold).
typealias APIAccountID = APIID<UInt64>

/// An asset, market or oracle source id: 1 to 4294967295, never clamped (asset 4294967296 must
/// not become asset 4294967295).
typealias APIID32 = APIID<UInt32>

/// An account id or 0, the venue's own book: what a read of an account takes and shows.
struct APIAccountNumber: Codable, Hashable, Sendable {
    var value: UInt64

    init(_ value: UInt64) { self.value = value }

    init(from decoder: any Decoder) throws {
        value = try decodeID(from: decoder, minimum: 0, maximum: UInt64.max)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A positive JSON integer id of the width `Value`.
struct APIID<Value: FixedWidthInteger & UnsignedInteger & Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    var value: Value

    init(_ value: Value) { self.value = value }

    init(from decoder: any Decoder) throws {
        value = Value(try decodeID(from: decoder, minimum: 1, maximum: UInt64(Value.max)))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A decimal as a JSON string ("60123.45"): a JSON number, which a reader would turn into a binary
/// float, is refused. Its scale is the field's (prices, quantities, an asset's amounts), so the
/// handler reads the text with `FieldValue`.
struct APIDecimal: Codable, Hashable, Sendable {
    var text: String

    init(_ text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw APIError.invalid(
                APIError.path(decoder.codingPath),
                "expected a decimal as a JSON string (\"60123.45\"), got \(jsonKind(container))")
        }
        self.text = text
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A JSON integer from `minimum` (0 or 1) to `maximum`; errors name the field's path.
private func decodeID(from decoder: any Decoder, minimum: UInt64, maximum: UInt64) throws -> UInt64 {
    let container = try decoder.singleValueContainer()
    let field = APIError.path(decoder.codingPath)
    if let value = try? container.decode(UInt64.self) {
        guard value >= minimum else { throw APIError.invalid(field, "expected a positive integer id, got 0") }
        guard value <= maximum else {
            throw APIError.invalid(field, "out of range: expected an id from \(minimum) to \(maximum), got \(value)")
        }
        return value
    }
    if let value = try? container.decode(Int64.self) {
        throw APIError.invalid(
            field, "expected \(minimum == 0 ? "an account id or 0" : "a positive integer id"), got \(value)")
    }
    // Beyond 64 bits, or a fraction: a number Double reads.
    guard let number = try? container.decode(Double.self) else {
        let expected = minimum == 0 ? "an account id or 0" : "a positive integer id"
        throw APIError.invalid(field, "expected \(expected) as a JSON number, got \(jsonKind(container))")
    }
    if number.rounded() == number, number >= 18_446_744_073_709_551_616 {
        throw APIError.invalid(field, "out of range: expected an id from \(minimum) to \(maximum), got \(number)")
    }
    throw APIError.invalid(field, "expected a positive integer id, got \(number)")
}

/// The JSON type of a value, as a refusal names it.
private func jsonKind(_ container: any SingleValueDecodingContainer) -> String {
    if container.decodeNil() { return "null" }
    if (try? container.decode(Bool.self)) != nil { return "a boolean" }
    if (try? container.decode(String.self)) != nil { return "a string" }
    if (try? container.decode(Double.self)) != nil { return "a number" }
    // A number beyond a Double's range ("1e400") reads as none of these either.
    if (try? container.decode([Discarded].self)) != nil { return "an array" }
    if (try? container.decode([String: Discarded].self)) != nil { return "an object" }
    return "a number"
}

/// Any JSON value, read and dropped (to tell an array or an object from a number too large).
private struct Discarded: Decodable {
    init(from decoder: any Decoder) throws {}
}
