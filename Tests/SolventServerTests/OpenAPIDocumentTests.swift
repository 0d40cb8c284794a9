import Foundation
import Hummingbird
import HummingbirdTesting
import SolventCore
import SolventServer
import Testing

/// Goal: `openapi/openapi.json` is the API's contract and cannot drift from the code. Method: the
/// served and embedded document against the file, byte for byte; the router's registered
/// (method, path) pairs against the document's operations, both ways; every request body's
/// documented fields against the fields the handler allows (its "unknown field" error lists
/// them); every documented example accepted by the handler's parsing; the number convention in
/// write replies (decimals as strings, sequences as integers).
struct OpenAPIDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let documentURL = root.appendingPathComponent("openapi/openapi.json")
    static let methods = ["get", "put", "post", "delete", "patch"]

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: documentURL)) as? [String: Any])
    }

    /// Each operation: (method, path, operation object).
    static func operations() throws -> [(method: String, path: String, operation: [String: Any])] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        return paths.keys.sorted().flatMap { path in
            methods.compactMap { method in (paths[path]?[method] as? [String: Any]).map { (method, path, $0) } }
        }
    }

    @Test func theEmbeddedAndServedDocumentIsTheFileByteForByte() async throws {
        let file = try Data(contentsOf: Self.documentURL)
        #expect(Data(SolventService.openAPIDocument.utf8) == file, "run Scripts/embed-openapi.py")
        let h = try await ServerHarness.make("openapi-served")
        try await h.app().test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(Data(buffer: response.body) == file)
            }
        }
    }

    @Test func everyRegisteredRouteIsDocumentedAndEveryOperationRegistered() async throws {
        let h = try await ServerHarness.make("openapi-routes")
        let registered = Set(try h.service.router().routes.map { "\($0.method.rawValue) \($0.path)" })
        let documented = Set(try Self.operations().map { "\($0.method.uppercased()) \($0.path)" })
        #expect(registered.count >= 50)
        #expect(
            registered.subtracting(documented).isEmpty,
            "registered, not documented: \(registered.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(registered).isEmpty,
            "documented, not registered: \(documented.subtracting(registered).sorted())")
    }

    /// What every operation must say: an id, a summary, its roles, 429 with Retry-After, and for a
    /// JSON body a closed schema with an example.
    @Test func everyOperationNamesItsRolesResponsesAndExamples() throws {
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let responses = try #require(components["responses"] as? [String: [String: Any]])
        #expect((responses["RateLimited"]?["headers"] as? [String: Any])?["Retry-After"] != nil)
        var ids = Set<String>()
        for (method, path, operation) in try Self.operations() {
            let name = "\(method.uppercased()) \(path)"
            let id = try #require(operation["operationId"] as? String, "\(name)")
            #expect(ids.insert(id).inserted, "\(name): operationId \(id) repeated")
            #expect(operation["summary"] is String, "\(name)")
            let roles = try #require(operation["x-solvent-roles"] as? [String], "\(name): x-solvent-roles")
            #expect(Set(roles).isSubset(of: Role.allCases.map(\.rawValue)), "\(name)")
            #expect(
                (operation["description"] as? String)?.contains(roles.isEmpty ? "Public" : "Roles:") == true, "\(name)")
            let codes = try #require(operation["responses"] as? [String: Any], "\(name)")
            #expect(codes["429"] != nil, "\(name): 429")
            if !roles.isEmpty && path != "/dashboard" { #expect(codes["401"] != nil, "\(name): 401") }
            guard let body = operation["requestBody"] as? [String: Any],
                let json = (body["content"] as? [String: Any])?["application/json"] as? [String: Any]
            else { continue }
            #expect(codes["400"] != nil && codes["413"] != nil, "\(name): 400, 413")
            #expect(((json["examples"] as? [String: Any])?.isEmpty == false), "\(name): an example")
            let schema = try Self.resolve(json["schema"], schemas)
            #expect(schema["additionalProperties"] as? Bool == false, "\(name): additionalProperties false")
        }
    }

    static func resolve(_ node: Any?, _ schemas: [String: Any]) throws -> [String: Any] {
        let object = try #require(node as? [String: Any])
        guard let reference = object["$ref"] as? String else { return object }
        return try #require(schemas[String(reference.split(separator: "/").last!)] as? [String: Any])
    }

    /// A JSON request body as the document describes it.
    struct DocumentedBody: Sendable {
        var name: String
        var method: String
        var path: String
        var role: String
        var fields: Set<String>
        var example: String
    }

    static func documentedBodies() throws -> [DocumentedBody] {
        let schemas = try #require((try document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return try operations().compactMap { method, path, operation in
            guard let body = operation["requestBody"] as? [String: Any],
                let json = (body["content"] as? [String: Any])?["application/json"] as? [String: Any]
            else { return nil }
            let name = "\(method.uppercased()) \(path)"
            let schema = try resolve(json["schema"], schemas)
            let example = try #require(
                ((json["examples"] as? [String: Any])?["example"] as? [String: Any])?["value"], "\(name)")
            return DocumentedBody(
                name: name, method: method.uppercased(), path: path,
                role: try #require((operation["x-solvent-roles"] as? [String])?.first, "\(name)"),
                fields: Set((schema["properties"] as? [String: Any] ?? [:]).keys),
                example: String(decoding: try JSONSerialization.data(withJSONObject: example), as: UTF8.self))
        }
    }

    /// The handler's own list of fields (its "unknown field; expected a, b, c" error) is exactly
    /// the body schema's properties, and the documented example passes the handler's parsing
    /// (anything but 400/413: a 422 or 404 means the engine's state, not the shape, refused it).
    @Test func everyBodyDocumentsExactlyTheFieldsItsHandlerAllows() async throws {
        let bodies = try Self.documentedBodies()
        #expect(bodies.count >= 30)
        let h = try await ServerHarness.make("openapi-bodies")
        let trader = try await h.trader(7)
        let keys = [
            "admin": h.admin, "oracle": h.oracle, "liquidator": h.liquidator, "readonly": h.readonly, "trader": trader,
        ]
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let listed = try await client.call(.get, "/v1/keys", key: h.admin).object["keys"] as? [[String: Any]]
            let keyID = try #require(listed?.first { $0["label"] as? String == "risk" }?["id"] as? String)
            for body in bodies {
                let uri = body.path.replacingOccurrences(of: "{market}", with: "1").replacingOccurrences(
                    of: "{auction}", with: "1"
                )
                .replacingOccurrences(of: "{account}", with: "1").replacingOccurrences(of: "{id}", with: keyID)
                .replacingOccurrences(of: "{asset}", with: "1")
                let verb = HTTPRequest.Method(rawValue: body.method)!
                let unknown = try await client.call(verb, uri, key: keys[body.role], #"{"zzUnknownField": 1}"#)
                #expect(
                    unknown.status == 400 && unknown.object["field"] as? String == "zzUnknownField",
                    "\(body.name): \(unknown.body)")
                let message = unknown.object["message"] as? String ?? ""
                let allowed = Set(
                    message.components(separatedBy: "expected ").last?.components(separatedBy: ", ") ?? [])
                #expect(
                    allowed == body.fields,
                    "\(body.name): the handler allows \(allowed.sorted()), the document \(body.fields.sorted())")
                let reply = try await client.call(verb, uri, key: keys[body.role], body.example)
                #expect(
                    reply.status != 400 && reply.status != 413 && reply.status < 500,
                    "\(body.name): its example: \(reply.status) \(reply.body)")
            }
        }
    }

    /// Decimals are strings everywhere, sequences integers: a liquidation step's amounts and the
    /// deposit and fund events' amounts are decimal strings in their asset's decimals.
    @Test func writeRepliesCarryDecimalsAsStrings() async throws {
        let h = try await ServerHarness.make("openapi-numbers")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let deposit = try await client.call(
                .post, "/v1/deposits", key: h.admin, #"{"account": 3, "asset": 1, "amount": "12.5"}"#
            ).object
            #expect(deposit["sequence"] is Int)
            let deposited = (deposit["events"] as? [[String: Any]])?.first { $0["type"] as? String == "deposited" }
            #expect(deposited?["amount"] as? String == "12.5", "\(deposit)")
            let funded = try await client.call(
                .post, "/v1/insurance-fund", key: h.admin, #"{"asset": 1, "amount": "0.000001"}"#
            ).object
            #expect((funded["events"] as? [[String: Any]])?.first?["amount"] as? String == "0.000001", "\(funded)")
            #expect(
                try await client.call(.post, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "58200"}"#).status
                    == 200)
            let step = try await client.call(
                .post, "/v1/liquidations", key: h.liquidator, #"{"account": 1, "market": 1}"#)
            let liquidated = try #require(
                (step.object["events"] as? [[String: Any]])?.first { $0["type"] as? String == "positionLiquidated" },
                "\(step.body)")
            for field in [
                "penalty", "clearanceFee", "fundDraw", "uncovered", "reallocated", "quantity", "marketPrice",
                "accountPrice",
            ] {
                let text = try #require(liquidated[field] as? String, "\(field): \(step.body)")
                #expect(
                    text.range(of: #"^-?[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) != nil, "\(field): \(text)")
            }
            // The history shows the same step with the same strings.
            let history = try await client.call(.get, "/v1/liquidations", key: h.readonly).json as? [[String: Any]]
            #expect(history?.last?["penalty"] as? String == liquidated["penalty"] as? String)
            #expect(history?.last?["sequence"] is Int)
        }
    }
}
