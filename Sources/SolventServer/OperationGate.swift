import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// The caller of the operation being handled, set by `OperationGate` for the generated handlers.
enum RequestCaller {
    @TaskLocal static var principal: Principal?
}

/// What every generated operation passes before its input is decoded, in the order the
/// hand-routed ones check it: the key (401) and its role as the document's `x-solvent-roles`
/// names it (403), then the body: at most `RequestBody.limit` bytes (413), read as JSON whatever
/// its declared type (the API takes JSON only), no key repeated in an object (400, naming it).
struct OperationGate: ServerMiddleware {
    let service: SolventService

    /// Read from the served document: each operation's roles, the operations it names no role
    /// for (public), and each JSON body's schema.
    static let (roles, publicOperations, bodySchemas) = readOperations(SolventService.openAPIDocument)

    static func readOperations(
        _ document: String
    ) -> (roles: [String: Set<Role>], public: Set<String>, bodies: BodySchemas) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any],
            let paths = root["paths"] as? [String: [String: Any]]
        else { return ([:], [], BodySchemas(bodies: [:], components: [:])) }
        let schemas = (root["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        var roles: [String: Set<Role>] = [:], open: Set<String> = [], bodies: [String: [String: Any]] = [:]
        for operation in paths.values.flatMap(\.values) {
            guard let operation = operation as? [String: Any], let id = operation["operationId"] as? String else {
                continue
            }
            let names = operation["x-solvent-roles"] as? [String]
            if names?.isEmpty == true { open.insert(id) }
            roles[id] = Set((names ?? []).compactMap(Role.init(rawValue:)))
            let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]
            if let schema = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any] {
                bodies[id] = schema
            }
        }
        return (roles, open, BodySchemas(bodies: bodies, components: schemas))
    }

    /// The request bodies' JSON schemas, read once from the embedded document and never changed.
    struct BodySchemas: @unchecked Sendable {
        let bodies: [String: [String: Any]]
        let components: [String: Any]

        /// The first field of `value` (at any depth, the outer object's fields first) that its
        /// schema does not list, with the fields it does: a misspelt field is the likelier cause
        /// of a decoding failure than the missing one the decoder reports first.
        func unknownField(in value: Any, operation: String) -> (path: String, expected: [String])? {
            bodies[operation].flatMap { unknownField(in: value, schema: $0, path: "") }
        }

        private func unknownField(in value: Any, schema: [String: Any], path: String) -> (String, [String])? {
            let schema = resolved(schema)
            if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
                for (index, element) in array.enumerated() {
                    if let found = unknownField(in: element, schema: items, path: "\(path)[\(index)]") { return found }
                }
                return nil
            }
            // Only a closed object (`additionalProperties: false`, as every request body's is) has
            // unknown fields.
            guard let object = value as? [String: Any], let properties = schema["properties"] as? [String: Any],
                schema["additionalProperties"] as? Bool == false
            else { return nil }
            let keys = object.keys.sorted()
            for key in keys where properties[key] == nil {
                return (path.isEmpty ? key : "\(path).\(key)", properties.keys.sorted())
            }
            for key in keys {
                guard let inner = properties[key] as? [String: Any], let element = object[key] else { continue }
                if let found = unknownField(in: element, schema: inner, path: path.isEmpty ? key : "\(path).\(key)") {
                    return found
                }
            }
            return nil
        }

        /// The schema of the value at `path` in an operation's body (its properties and items
        /// followed), or nil where the document does not say.
        func schema(at path: [any CodingKey], operation: String) -> [String: Any]? {
            var schema = bodies[operation].map(resolved)
            for key in path {
                guard let current = schema else { return nil }
                let inner =
                    key.intValue != nil ? current["items"] : (current["properties"] as? [String: Any])?[key.stringValue]
                schema = (inner as? [String: Any]).map(resolved)
            }
            return schema
        }

        /// A `$ref` to a component schema replaced by the schema it names, until no `$ref` is left.
        private func resolved(_ schema: [String: Any]) -> [String: Any] {
            var schema = schema
            for _ in 0..<8 {
                guard let reference = schema["$ref"] as? String,
                    let named = components[String(reference.split(separator: "/").last ?? "")] as? [String: Any]
                else { break }
                schema = named
            }
            return schema
        }
    }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var principal: Principal?
        if !Self.publicOperations.contains(operationID) {
            // Fails closed: an operation the document gives no role the service knows admits no key.
            let caller = try await service.authenticate(headers: request.headerFields, path: request.path ?? "")
            try service.authorize(caller, Self.roles[operationID] ?? [])
            principal = caller
        }
        try Self.checkQuery(request.path ?? "", operation: operationID)
        var request = request
        // The reply is JSON whatever the client accepts: a write is applied before its reply is
        // written, so an Accept header must not turn it into an error after the fact.
        request.headerFields[.accept] = "application/json"
        var checked = body
        var bodyBytes: [UInt8]?
        if let body {
            let bytes: [UInt8]
            do { bytes = try await [UInt8](collecting: body, upTo: RequestBody.limit) } catch {
                throw APIError(.contentTooLarge, "tooLarge", "the request body exceeds \(RequestBody.limit) bytes")
            }
            switch jsonShapeProblem(in: bytes, refusingNull: true) {
            case .duplicateKey(let path)?:
                throw APIError.invalid(path, "duplicate key: each field may appear only once")
            case .null(let path)?:
                throw APIError.invalid(path, "got null: leave an optional field out rather than sending null")
            case .tooDeep?: throw APIError.invalid("body", "objects and arrays nested more than 512 deep")
            case nil: break
            }
            request.headerFields[.contentType] = "application/json"
            checked = HTTPBody(bytes)
            bodyBytes = bytes
        }
        do {
            return try await RequestCaller.$principal.withValue(principal) {
                try await next(request, checked, metadata)
            }
        } catch let error as ServerError where error.operationInput == nil {
            // The body did not decode: a misspelt field is the likelier cause than the missing one
            // the decoder reports first, so an unknown field is named, with the fields the
            // document lists beside it.
            let object = bodyBytes.flatMap(Self.object)
            if let object, let (path, expected) = Self.bodySchemas.unknownField(in: object, operation: operationID) {
                throw APIError.invalid(path, "unknown field; expected \(expected.joined(separator: ", "))")
            }
            // A value of none of a field's listed values: named with the values the document lists.
            if case .dataCorrupted(let context) as DecodingError = error.underlyingError,
                !context.codingPath.isEmpty,
                let values = Self.bodySchemas.schema(at: context.codingPath, operation: operationID)?["enum"] as? [Any]
            {
                throw APIError.invalid(
                    APIError.path(context.codingPath),
                    "unknown value; expected one of \(values.map { "\($0)" }.joined(separator: ", "))")
            }
            // An id in the path out of its range (0, beyond 32 bits): the decoder knows no field.
            if case let refusal as APIError = error.underlyingError, refusal.field?.isEmpty ?? true,
                let name = metadata.pathParameters.keys.sorted().first
            {
                // The value's own JSON type means nothing in a path: only its range is said.
                let message = refusal.message.replacingOccurrences(of: " as a JSON number, got a string", with: "")
                throw APIError(.badRequest, "badRequest", "path parameter \(name): \(message)")
            }
            // A value without a path that is not the body's: the path's parameter did not decode.
            if case let decoding as DecodingError = error.underlyingError, Self.codingPath(decoding).isEmpty,
                object != nil || bodyBytes?.isEmpty ?? true,
                let (name, value) = metadata.pathParameters.filter({ Int($0.value) == nil }).min(by: { $0.key < $1.key }
                )
            {
                throw APIError(
                    .badRequest, "badRequest", "path parameter \(name): expected an integer id, got \(value)")
            }
            throw error
        }
    }

    private static func codingPath(_ error: DecodingError) -> [any CodingKey] {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.codingPath
        case .keyNotFound(let key, let context): return context.codingPath + [key]
        @unknown default: return []
        }
    }

    private static func object(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}

extension APIError {
    /// The API's error for what the generated operations throw: a handler's own `APIError`, or a
    /// body the generated decoder refused, named by its field's path (`fills[3].price`).
    init(_ error: ServerError) {
        switch error.underlyingError {
        case let error as APIError: self = error
        case let error as DecodingError: self = Self.decoding(error)
        // Another error of a handler (a commitment over a venue without assets): its own words,
        // as the hand-routed operations report it, not the runtime's "User handler threw an error".
        default:
            self = APIError(
                .badRequest, "badRequest",
                error.operationInput != nil ? String(describing: error.underlyingError) : error.causeDescription)
        }
    }

    /// A coding path as the API names a field: `fills[3].price`.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { path, key in
            if let index = key.intValue { return "\(path)[\(index)]" }
            return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
        }
    }

    static func decoding(_ error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid(path(context.codingPath + [key]), "required")
        case .valueNotFound(_, let context):
            return .invalid(path(context.codingPath), "null is not a value here: leave an optional field out")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("body", "expected a JSON object") }
            switch type {
            case is String.Type:
                return .invalid(field, "expected a JSON string (decimals are strings: \"60123.45\")")
            case is Int.Type, is UInt64.Type:
                return .invalid(field, "expected an integer as a JSON number")
            case is Bool.Type: return .invalid(field, "expected true or false")
            case is [Any].Type: return .invalid(field, "expected an array")
            default: return .invalid(field, "expected an object")
            }
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("body", "expected a JSON object") }
            if context.debugDescription.hasPrefix("Additional properties are disabled") {
                return .invalid(field, "unknown field (the API reference lists each request's fields)")
            }
            if context.debugDescription.contains("invalid String value")
                || context.debugDescription.contains("Cannot initialize")
            {
                return .invalid(field, "unknown value")
            }
            return .invalid(field, "out of range or not a value of this field's type")
        @unknown default:
            return APIError(.badRequest, "badRequest", "\(error)")
        }
    }
}
