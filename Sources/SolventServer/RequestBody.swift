import Foundation
import Hummingbird
import SolventCore

/// A JSON request body read field by field, so that every error names its field: the fills'
/// bodies, the one hand-routed write (one JSON parse, no per-field decoder: `FillRoutes.swift`);
/// every other operation's body is decoded by the generated types. It reads what
/// openapi/openapi.json describes and nothing else: decimals as strings ("60123.45"), ids and
/// counts as JSON integers, no null in place of a value (leave an optional field out); unknown
/// fields are refused (a typo must not be silently ignored).
struct RequestBody: @unchecked Sendable {
    let object: [String: Any]

    static let limit = 64 * 1024

    static func read(_ request: Request, allowed: Set<String>) async throws -> RequestBody {
        let body = request.body
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "tooLarge", "the request body exceeds \(limit) bytes")
        }
        let data = Data(buffer: buffer)
        guard !data.isEmpty else { throw APIError.invalid("body", "expected a JSON object") }
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else {
            throw APIError.invalid("body", "expected a JSON object")
        }
        // JSONSerialization keeps one value of a repeated key without a word: look at the text.
        if let duplicate = duplicateKey(in: Array(data)) {
            throw APIError.invalid(duplicate, "duplicate key: each field may appear only once")
        }
        guard let object = parsed as? [String: Any] else { throw APIError.invalid("body", "expected a JSON object") }
        let result = RequestBody(object: object)
        try result.refuseUnknown(allowed)
        return result
    }

    /// Refuses fields outside `allowed`; `prefix` is the object's own path (`tiers[0]`), so the
    /// error names the full path of the field (`tiers[0].Cap`).
    func refuseUnknown(_ allowed: Set<String>, at prefix: String = "") throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw APIError.invalid(
                prefix.isEmpty ? key : "\(prefix).\(key)",
                "unknown field; expected \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// Whether the body holds `key`; a null counts as present, so that the field's reader refuses
    /// it by name instead of reading it as absent.
    func has(_ key: String) -> Bool { object[key] != nil }

    /// The JSON type of `value` as a refusal names it.
    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case let number as NSNumber: return String(cString: number.objCType) == "c" ? "a boolean" : "a number"
        case is [Any]: return "an array"
        default: return "an object"
        }
    }

    /// The text of a JSON integer (ids, counts): a JSON string or any other type is refused.
    func integerText(_ key: String, expected: String) throws -> String {
        guard let value = object[key] else { throw APIError.invalid(key, "required") }
        // JSON true/false arrive as NSNumber too: tell them apart by their C type ("c").
        guard let number = value as? NSNumber, !(value is String), String(cString: number.objCType) != "c" else {
            throw APIError.invalid(key, "\(expected) as a JSON number, got \(Self.kind(value))")
        }
        return number.stringValue
    }

    /// The text of a decimal, which the API writes as a JSON string ("60123.45") so that no JSON
    /// reader turns it into a binary float: a JSON number or another type is refused.
    func decimalText(_ key: String) throws -> String {
        guard let value = object[key] else { throw APIError.invalid(key, "required") }
        guard let string = value as? String else {
            throw APIError.invalid(key, "expected a decimal as a JSON string (\"60123.45\"), got \(Self.kind(value))")
        }
        return string
    }

    func string(_ key: String, default value: String? = nil) throws -> String {
        if !has(key), let value { return value }
        guard let string = object[key] as? String, !string.isEmpty, string.utf8.count <= 64 else {
            throw APIError.invalid(key, "expected a non-empty string of at most 64 bytes")
        }
        return string
    }

    /// A positive integer id (number or string) of the id type `T` (accounts are UInt64; assets,
    /// markets and oracle sources UInt32). An id beyond `T.max` is refused, never clamped: asset
    /// 4294967296 must not become asset 4294967295.
    func id<T: FixedWidthInteger & UnsignedInteger>(_ key: String, as type: T.Type) throws -> T {
        let text = try integerText(key, expected: "expected a positive integer id")
        if let value = T(text), value > 0 { return value }
        // Digits only (a JSON integer) or a large JSON number (1e+20): too large.
        let digitsOnly = !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if (digitsOnly && text.contains(where: { $0 != "0" }))
            || (Double(text).map { $0.isFinite && $0 >= Double(T.max) } ?? false)
        {
            throw APIError.invalid(key, "out of range: expected an id from 1 to \(T.max), got \(text)")
        }
        throw APIError.invalid(key, "expected a positive integer id, got \(text)")
    }

    /// An account id.
    func id(_ key: String) throws -> UInt64 { try id(key, as: UInt64.self) }

    func decimal(_ key: String, scale: Int) throws -> Int64 {
        try FieldValue.decimal(try decimalText(key), field: key, scale: scale)
    }

    func price(_ key: String) throws -> Price { Price(atoms: try decimal(key, scale: Price.scale)) }
    func quantity(_ key: String) throws -> Quantity { Quantity(atoms: try decimal(key, scale: Quantity.scale)) }
    func choice<T: RawRepresentable>(_ key: String, default value: T? = nil) throws -> T where T.RawValue == String {
        if !has(key), let value { return value }
        let text = try string(key)
        guard let choice = T(rawValue: text) else { throw APIError.invalid(key, "unknown value \(text)") }
        return choice
    }

    /// The array of objects under `key`, each holding only `allowed` fields: an unknown field in
    /// a nested object is refused like one at the top (`tiers[0].Cap` must not become an
    /// uncapped tier), naming its full path.
    func objects(_ key: String, max: Int, allowed: Set<String>) throws -> [RequestBody] {
        guard let array = object[key] as? [Any], !array.isEmpty, array.count <= max else {
            throw APIError.invalid(key, "expected an array of 1 to \(max) objects")
        }
        return try array.enumerated().map { index, element in
            guard let object = element as? [String: Any] else {
                throw APIError.invalid("\(key)[\(index)]", "expected an object")
            }
            let item = RequestBody(object: object)
            try item.refuseUnknown(allowed, at: "\(key)[\(index)]")
            return item
        }
    }
}

/// The path of the first key that appears twice in one object of `bytes`, a valid JSON text
/// (`amount`, `tiers[0].cap`), or nil.
package func duplicateKey(in bytes: [UInt8]) -> String? {
    if case .duplicateKey(let path)? = jsonShapeProblem(in: bytes, refusingNull: false) { return path }
    return nil
}

/// What a request body's JSON text may not hold, whatever its schema: a key twice in one object
/// (a JSON reader keeps one of them without a word), or a null (an optional field is left out).
package enum JSONShapeProblem: Equatable {
    case duplicateKey(String)
    case null(String)
    /// Objects and arrays nested more than 512 deep.
    case tooDeep
}

/// The first problem of `bytes`, a valid JSON text, with its path. One pass with an explicit stack
/// (no recursion, so a deeply nested body cannot exhaust the thread's stack); keys are compared
/// after unescaping, as JSONSerialization compares them ("\u0061mount" repeats "amount").
package func jsonShapeProblem(in bytes: [UInt8], refusingNull: Bool) -> JSONShapeProblem? {
    /// An open object or array; fields mutated in place (`stack[top].keys.insert`) so that a
    /// key set is never copied. It holds only its current key or index: a path is built when a
    /// problem is reported, so a deeply nested body costs no more than its own bytes.
    struct Container {
        var isObject: Bool
        var keys: Set<String> = []
        var key = ""
        var expectingKey = true
        var index = 0
    }
    /// The path of the value at the current position of `stack[..<depth]`'s innermost container.
    func path(_ stack: ArraySlice<Container>) -> String {
        stack.reduce("") { path, container in
            container.isObject
                ? (path.isEmpty ? container.key : "\(path).\(container.key)") : "\(path)[\(container.index)]"
        }
    }
    var stack: [Container] = []
    var i = 0
    while i < bytes.count {
        let top = stack.count - 1
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // As deep as JSONSerialization reads; deeper is no request body of this API.
            guard stack.count < 512 else { return .tooDeep }
            stack.append(Container(isObject: bytes[i] == UInt8(ascii: "{")))
        case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
        case UInt8(ascii: ",") where top >= 0:
            if stack[top].isObject { stack[top].expectingKey = true } else { stack[top].index += 1 }
        case UInt8(ascii: "\""):
            var end = i + 1, escaped = false
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                if bytes[end] == UInt8(ascii: "\\") { escaped = true; end += 1 }
                end += 1
            }
            guard end < bytes.count else { return nil }
            if top >= 0, stack[top].isObject, stack[top].expectingKey {
                let raw = bytes[i...end]
                let key =
                    escaped
                    ? (try? JSONSerialization.jsonObject(with: Data(raw), options: .fragmentsAllowed)) as? String ?? ""
                    : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                guard stack[top].keys.insert(key).inserted else {
                    stack[top].key = key
                    return .duplicateKey(path(stack[...]))
                }
                stack[top].key = key
                stack[top].expectingKey = false
            }
            i = end
        // Outside a string, only the literal null holds an "n".
        case UInt8(ascii: "n") where refusingNull && bytes[i...].starts(with: "null".utf8):
            return .null(top >= 0 ? path(stack[...]) : "body")
        default: break
        }
        i += 1
    }
    return nil
}
