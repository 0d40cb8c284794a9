import Foundation

/// The query parameters of the generated operations, checked against the document before the
/// generated decoder reads them: the runtime's decoder reports a bad query value without its
/// name ("expected a JSON object"), and ignores a parameter the operation does not take.
extension OperationGate {
    struct QueryParameter: @unchecked Sendable {
        let name: String
        let required: Bool
        /// The parameter's schema, a `$ref` replaced by the schema it names.
        let schema: [String: Any]
    }

    /// Each operation's query parameters, read once from the served document.
    static let queryParameters = readQueryParameters(SolventService.openAPIDocument)

    static func readQueryParameters(_ document: String) -> [String: [QueryParameter]] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any],
            let paths = root["paths"] as? [String: [String: Any]]
        else { return [:] }
        let schemas = (root["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        var result: [String: [QueryParameter]] = [:]
        for operation in paths.values.flatMap(\.values) {
            guard let operation = operation as? [String: Any], let id = operation["operationId"] as? String else {
                continue
            }
            let parameters = (operation["parameters"] as? [[String: Any]] ?? []).filter {
                $0["in"] as? String == "query"
            }
            result[id] = parameters.compactMap { parameter in
                guard let name = parameter["name"] as? String else { return nil }
                var schema = parameter["schema"] as? [String: Any] ?? [:]
                if let reference = schema["$ref"] as? String,
                    let named = schemas[String(reference.split(separator: "/").last ?? "")] as? [String: Any]
                {
                    schema = named
                }
                return QueryParameter(name: name, required: parameter["required"] as? Bool ?? false, schema: schema)
            }
        }
        return result
    }

    /// Refuses, naming it, a query parameter the operation does not take or gives twice, a
    /// required one missing, a value outside its enumeration, or an integer that is not one or is
    /// outside the document's minimum and maximum.
    static func checkQuery(_ target: String, operation: String) throws {
        let declared = queryParameters[operation] ?? []
        let items = URLComponents(string: target)?.queryItems ?? []
        for item in items where !declared.contains(where: { $0.name == item.name }) {
            throw APIError.invalid(
                String(item.name.prefix(64)),
                declared.isEmpty
                    ? "unknown query parameter: this operation takes none"
                    : "unknown query parameter; expected \(declared.map(\.name).joined(separator: ", "))")
        }
        for parameter in declared {
            let values = items.filter { $0.name == parameter.name }
            guard values.count <= 1 else { throw APIError.invalid(parameter.name, "given more than once") }
            guard let value = values.first?.value else {
                if parameter.required { throw APIError.invalid(parameter.name, "required") }
                continue
            }
            try check(value, of: parameter)
        }
    }

    private static func check(_ value: String, of parameter: QueryParameter) throws {
        let shown = value.prefix(40)
        if let allowed = parameter.schema["enum"] as? [String] {
            guard allowed.contains(value) else {
                throw APIError.invalid(
                    parameter.name, "unknown value \(shown); expected one of \(allowed.joined(separator: ", "))")
            }
        } else if parameter.schema["type"] as? String == "integer" {
            let minimum = (parameter.schema["minimum"] as? NSNumber)?.int64Value ?? 0
            let maximum = (parameter.schema["maximum"] as? NSNumber)?.int64Value ?? Int64.max
            let digitsOnly =
                !value.isEmpty && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard digitsOnly, let number = Int64(value), (minimum...maximum).contains(number) else {
                throw APIError.invalid(
                    parameter.name, "expected an integer from \(minimum) to \(maximum), got \(shown)")
            }
        }
    }
}
