import Foundation

/// The one way the CLI writes a JSON report: a figure that is not a finite number (a leverage
/// whose equity is gone, a ratio over zero) becomes `null` instead of making the writer fail or
/// print `nan`; keys sorted, pretty-printed.
public enum JSONOutput {
    public static func data(_ object: Any) -> Data {
        // Every value is finite after `finite(_:)`, and the objects are plain dictionaries,
        // arrays, strings, numbers and nulls: the writer has nothing left to refuse.
        (try? JSONSerialization.data(
            withJSONObject: finite(object), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            ?? Data("null".utf8)
    }

    /// `value` read back from its 15-significant-digit form, which the writer then prints in
    /// its shortest form (at most 15 digits).
    static func significant(_ value: Double) -> Double {
        Double(String(format: "%.15g", value)) ?? value
    }

    public static func string(_ object: Any) -> String { String(decoding: data(object), as: UTF8.self) }

    /// `object` with every non-finite Double (or Float) replaced by NSNull, and every finite one
    /// cut to the 15 significant digits a Double holds: a sum of cents reads 61115.817518, not
    /// the 61115.817517999996 that binary arithmetic leaves behind.
    public static func finite(_ object: Any) -> Any {
        switch object {
        case let value as Double: return value.isFinite ? significant(value) : NSNull()
        case let value as Float: return value.isFinite ? value : NSNull()
        case let dictionary as [String: Any]: return dictionary.mapValues(finite)
        case let array as [Any]: return array.map(finite)
        default: return object
        }
    }
}

/// A figure for a person: `format` applied to a finite value, "n/a" otherwise (a leverage whose
/// equity was gone, a ratio over a zero move), never "nan" or "inf".
func formatted(_ value: Double, _ format: String) -> String {
    value.isFinite ? String(format: format, value) : "n/a"
}
