import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Goal: the roles `x-solvent-roles` names for an operation are the roles the service admits,
/// whether the operation is generated from the document (its gate reads them from it) or routed
/// by hand (its handler lists them). Method: every keyed operation called with a key of each role
/// and an empty body; a role the document does not name gets 403 "this needs the role", a named
/// one never does (it may still fail on the body, or act only for its own account).
struct OperationRoleTests {
    @Test func everyOperationAdmitsExactlyTheRolesItNames() async throws {
        let h = try await ServerHarness.make("operation-roles")
        let trader = try await h.trader(7)
        let keys = [
            "admin": h.admin, "oracle": h.oracle, "liquidator": h.liquidator, "readonly": h.readonly, "trader": trader,
        ]
        // (method, path, the roles named): every keyed operation but the dashboard's and the stream's.
        let operations = try OpenAPIDocumentTests.operations().compactMap { method, path, operation in
            let named = Set(operation["x-solvent-roles"] as? [String] ?? [])
            return path.hasPrefix("/dashboard") || path == "/v1/stream" || named.isEmpty ? nil : (method, path, named)
        }
        #expect(operations.count >= 45)
        try await h.app().test(.router) { client in
            for (method, path, named) in operations {
                let uri = ["{market}", "{auction}", "{account}", "{id}", "{asset}"].reduce(path) {
                    $0.replacingOccurrences(of: $1, with: "1")
                }
                let verb = try #require(HTTPRequest.Method(rawValue: method.uppercased()))
                for (role, key) in keys.sorted(by: { $0.key < $1.key }) {
                    let reply = try await client.call(verb, uri, key: key, verb == .get ? nil : "{}")
                    let refusedForRole =
                        reply.status == 403 && (reply.object["message"] as? String ?? "").contains("needs the role")
                    #expect(
                        refusedForRole == !named.contains(role),
                        "\(method.uppercased()) \(path) as \(role): \(reply.status) \(reply.body)")
                }
            }
        }
    }
}
