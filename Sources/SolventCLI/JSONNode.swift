import Foundation
import SolventCore
import SolventServer

/// A JSON value with the path it was found at, for error messages that name the field.
/// Objects are read strictly: a key that the schema does not know is an error, not ignored.
struct JSONNode {
    let value: Any
    let path: String

    static func parse(_ data: Data) throws -> JSONNode {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "not valid JSON"
            throw InputError("", "malformed JSON: \(detail)")
        }
        // JSONSerialization keeps one of two equal keys silently; a file that says a field twice
        // is ambiguous, so it is refused naming the key.
        // The service's scanner: one reading of "the same key twice" for files and requests.
        if let path = duplicateKey(in: Array(data)) {
            throw InputError(path, "this key appears twice in its object; give each field once")
        }
        return JSONNode(value: value, path: "")
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The object's members, after checking that every key is one of `allowed`.
    func object(allowed: [String]) throws -> [String: JSONNode] {
        guard let dictionary = value as? [String: Any] else { throw InputError(path, "expected an object") }
        var members: [String: JSONNode] = [:]
        for key in dictionary.keys.sorted() {
            guard allowed.contains(key) else {
                throw InputError(child(key), "unknown field; expected one of: \(allowed.joined(separator: ", "))")
            }
            members[key] = JSONNode(value: dictionary[key]!, path: child(key))
        }
        return members
    }

    func array() throws -> [JSONNode] {
        guard let items = value as? [Any] else { throw InputError(path, "expected an array") }
        return items.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]") }
    }

    func string() throws -> String {
        guard let text = value as? String else { throw InputError(path, "expected a string") }
        return text
    }

    func integer(in range: ClosedRange<Int64>) throws -> Int64 {
        let text = try decimalText()
        guard let number = Int64(text), range.contains(number) else {
            throw InputError(
                path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return number
    }

    /// JSON true/false arrive as a distinct NSNumber subclass; numbers 0 and 1 are not booleans.
    private static let booleanType = type(of: NSNumber(value: true))
    private var isBoolean: Bool { type(of: value as AnyObject) == JSONNode.booleanType }

    func bool() throws -> Bool {
        guard isBoolean, let flag = value as? Bool else { throw InputError(path, "expected true or false") }
        return flag
    }

    /// A decimal given as a string ("60123.45", as venues' APIs send them) or a JSON number.
    func decimalText() throws -> String {
        if let text = value as? String { return text }
        if let number = value as? NSNumber, !isBoolean {
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 9e15 { return String(Int64(double)) }
            return "\(double)"
        }
        throw InputError(path, "expected a decimal number (a string such as \"50000.5\" or a JSON number)")
    }

    /// A fixed-point decimal with at most `scale` decimals.
    func atoms(scale: Int, what: String) throws -> Int64 {
        let text = try decimalText()
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

extension JSONNode {
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
