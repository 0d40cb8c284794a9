import Foundation
import SolventCore
import SolventServer

/// Reads the command line's JSON files (portfolios, option portfolios, backtest positions) into
/// `Decodable` types with Foundation's `JSONDecoder`, strictly: a key given twice, a key the
/// type does not have, a wrong type or a malformed document is an `InputError` naming the field
/// by its path (`markets[0].margin.tiers[1].initialRate`), never ignored or kept silently.
/// Objects are read as `Located<T>` where `T: JSONObject` (which lists its keys); numbers as
/// `NumberField` (a decimal string or a JSON number, with its path for the range checks).
enum StrictJSON {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        _ = try checked(data)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw inputError(error)
        }
    }

    /// The parsed document, once its syntax and keys are known sound: JSONSerialization keeps
    /// one of two equal keys silently, and a file that says a field twice is ambiguous.
    static func checked(_ data: Data) throws -> Any {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "not valid JSON"
            throw InputError("", "malformed JSON: \(detail)")
        }
        // The service's scanner: one reading of "the same key twice" for files and requests.
        if let path = duplicateKey(in: Array(data)) {
            throw InputError(path, "this key appears twice in its object; give each field once")
        }
        return value
    }

    /// `markets[0].margin` from a decoder's coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    static func inputError(_ error: DecodingError) -> InputError {
        switch error {
        case .typeMismatch(let type, let context):
            return InputError(path(context.codingPath), "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            return InputError(path(context.codingPath), "expected \(describe(type)), got null")
        case .keyNotFound(let key, let context):
            return InputError(path(context.codingPath + [key]), "required")
        case .dataCorrupted(let context):
            return InputError(path(context.codingPath), context.debugDescription)
        @unknown default:
            return InputError("", "\(error)")
        }
    }

    /// What a reader calls the JSON type the decoder expected.
    private static func describe(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == Bool.self { return "true or false" }
        let name = String(describing: type)
        if name.contains("Dictionary") || name.contains("Keyed") { return "an object" }
        if name.contains("Array") || name.contains("Unkeyed") { return "an array" }
        return "a number"
    }

    /// Refuses a key of the object at `decoder` that is not in `allowed`, and a null value (a
    /// field is given or left out: `JSONDecoder` would read null as absent).
    static func refuseUnknownKeys(_ decoder: any Decoder, allowed: [String], at path: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let name = path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            guard allowed.contains(key.stringValue) else {
                throw InputError(name, "unknown field; expected one of: \(allowed.joined(separator: ", "))")
            }
            if try container.decodeNil(forKey: key) {
                throw InputError(name, "expected a value, got null (leave the field out to take its default)")
            }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The first key of `input` (by path) that `known` — the same document as this program
    /// re-encodes what it decoded — does not have: a field a Codable decoder ignored silently.
    /// A null counts as absent (an optional left out).
    static func firstUnknownKey(_ input: Any, known: Any?, path: String = "") -> String? {
        if let object = input as? [String: Any] {
            let knownObject = known as? [String: Any] ?? [:]
            for key in object.keys.sorted() where !(object[key] is NSNull) {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let value = knownObject[key] else { return child }
                if let found = firstUnknownKey(object[key]!, known: value, path: child) { return found }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any] {
            for (index, item) in array.enumerated() where index < knownArray.count {
                if let found = firstUnknownKey(item, known: knownArray[index], path: "\(path)[\(index)]") {
                    return found
                }
            }
        }
        return nil
    }
}

/// A JSON object type whose keys are its `CodingKeys`: read through `Located`, a key it does
/// not list is refused by name.
protocol JSONObject: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension JSONObject {
    static var fieldNames: [String] { CodingKeys.allCases.map(\.stringValue) }
}

/// A decoded value with the path it was read at, for the checks that follow decoding.
struct Located<Value: Decodable>: Decodable {
    var value: Value
    var path: String

    init(from decoder: any Decoder) throws {
        path = StrictJSON.path(decoder.codingPath)
        if let object = Value.self as? any JSONObject.Type {
            try StrictJSON.refuseUnknownKeys(decoder, allowed: object.fieldNames, at: path)
        }
        value = try Value(from: decoder)
    }

    /// The path of a field of this object.
    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// A number as written: a decimal string ("60123.45", as venues' APIs send them) or a JSON
/// number, kept as text so a fixed-point reading sees every digit the file gave.
struct NumberField: Decodable {
    var text: String
    var path: String

    init(from decoder: any Decoder) throws {
        path = StrictJSON.path(decoder.codingPath)
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.text = text
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let double = try? container.decode(Double.self), double.isFinite {
            text = double == double.rounded() && abs(double) < 9e15 ? String(Int64(double)) : "\(double)"
        } else {
            throw InputError(path, "expected a decimal number (a string such as \"50000.5\" or a JSON number)")
        }
    }

    func integer(in range: ClosedRange<Int64>) throws -> Int64 {
        guard let number = Int64(text), range.contains(number) else {
            throw InputError(
                path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return number
    }

    /// A fixed-point decimal with at most `scale` decimals.
    func atoms(scale: Int, what: String) throws -> Int64 {
        switch DecimalText.parse(text, scale: scale) {
        case .success(let atoms): return atoms
        case .failure(.tooManyDecimals(let allowed)):
            throw InputError(path, "\(what) has more than \(allowed) decimals: \(text)")
        case .failure(.overflow):
            throw InputError(path, "\(what) is too large for 64-bit fixed point at \(scale) decimals: \(text)")
        case .failure:
            throw InputError(path, "expected \(what) as a decimal number, got \"\(text)\"")
        }
    }
}

extension Located where Value == String {
    /// The text and where it was written.
    var written: (text: String, path: String) { (value, path) }
}

extension NumberField {
    /// The text and where it was written.
    var written: (text: String, path: String) { (text, path) }
}
