import Foundation
import Hummingbird
import SolventStore

/// The key lifecycle over the API (admin only): create, list, revoke, expire. A key is shown
/// once, at creation; afterwards it is named by its id (the first 16 hex digits of its SHA-256),
/// and neither the key nor its full hash is ever returned. Revocation and expiry take effect on
/// the key's very next request (the service forgets its cached principal).
extension SolventService {
    /// At most this many keys are listed (and searched for an id).
    static let keyListLimit = 10_000

    func addKeyRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.post("/v1/keys") { request, _ in
            _ = try await service.require(request, [.admin])
            let body = try await RequestBody.read(request, allowed: ["role", "account", "label", "expiresInSeconds"])
            let role: Role = try body.choice("role")
            let account = try body.optionalID("account")
            if role == .trader && account == nil { throw APIError.invalid("account", "a trader key needs its account") }
            if !role.takesAccount && account != nil {
                throw APIError.invalid(
                    "account", "only trader and liquidator keys act for an account; a \(role.rawValue) key takes none")
            }
            let label = try body.string("label", default: role.rawValue)
            // Up to ten years; absent, the key does not expire (revoke it to end it).
            let lifetime = try body.has("expiresInSeconds") ? body.int("expiresInSeconds", in: 1...315_360_000) : 0
            let (key, stored) = try await AccessKeys.issue(
                role: role, account: account, label: label,
                expiresAt: lifetime > 0 ? AccessKeys.now() + lifetime : 0, in: service.store)
            var view = Self.keyView(stored, now: AccessKeys.now())
            view["key"] = key
            return JSON.response(view, status: .created)
        }
        router.get("/v1/keys") { request, _ in
            _ = try await service.require(request, [.admin])
            let now = AccessKeys.now()
            let keys = try await service.store.keys(limit: Self.keyListLimit).filter { Role(rawValue: $0.role) != nil }
            return JSON.response(["keys": keys.map { Self.keyView($0, now: now) }])
        }
        router.post("/v1/keys/:id/revoke") { request, context in
            _ = try await service.require(request, [.admin])
            var stored = try await service.storedKey(id: try context.parameters.require("id"))
            if stored.revokedAt == 0 {  // revoking twice keeps the first time
                try await service.requireAnotherAdmin(besides: stored)
                stored.revokedAt = AccessKeys.now()
                try await service.store.saveKey(stored)
                service.forgetKey(hash: stored.hash)
            }
            return JSON.response(Self.keyView(stored, now: AccessKeys.now()))
        }
        router.post("/v1/keys/:id/expire") { request, context in
            _ = try await service.require(request, [.admin])
            var stored = try await service.storedKey(id: try context.parameters.require("id"))
            // {"inSeconds": 0} ends the key now; more sets (or moves) a live key's expiry.
            let body = try await RequestBody.read(request, allowed: ["inSeconds"])
            let delay = try body.int("inSeconds", in: 0...315_360_000)
            let now = AccessKeys.now()
            // An ended key stays ended: a new key is the way back in.
            guard stored.isUsable(at: now) else {
                throw APIError(
                    .conflict, "keyEnded", field: "id",
                    "the key is already \(stored.revokedAt != 0 ? "revoked" : "expired")")
            }
            try await service.requireAnotherAdmin(besides: stored)
            stored.expiresAt = now + delay
            try await service.store.saveKey(stored)
            service.forgetKey(hash: stored.hash)
            return JSON.response(Self.keyView(stored, now: AccessKeys.now()))
        }
        // Reached only when the WebSocket upgrade was refused: say why.
        router.get("/v1/stream") { request, _ -> Response in
            if request.uri.queryParameters.get("key") != nil { throw APIError.keyInURL }
            throw APIError(
                .unauthorized, "unauthorized",
                "/v1/stream is a WebSocket: send Authorization: Bearer <key>, or ?ticket= from POST /v1/tickets (single use, 30 s)"
            )
        }
    }

    /// The stored key named by an id (16 hex digits).
    func storedKey(id: String) async throws -> StoredKey {
        guard id.utf8.count == StoredKey.idLength, id.allSatisfy(\.isHexDigit) else {
            throw APIError.invalid(
                "id", "expected a key id: \(StoredKey.idLength) hex digits, as GET /v1/keys lists them")
        }
        let matches = try await store.keys(limit: Self.keyListLimit).filter {
            $0.id == id.lowercased() && Role(rawValue: $0.role) != nil
        }
        guard let stored = matches.first else { throw APIError.notFound("key \(id)") }
        return stored
    }

    /// Refuses ending the last usable admin key: nobody could create keys any more.
    func requireAnotherAdmin(besides key: StoredKey) async throws {
        guard key.role == Role.admin.rawValue else { return }
        let now = AccessKeys.now()
        let others = try await store.keys(limit: Self.keyListLimit).filter {
            $0.role == Role.admin.rawValue && $0.hash != key.hash && $0.isUsable(at: now)
        }
        if others.isEmpty {
            throw APIError(
                .conflict, "lastAdminKey", field: "id",
                "this is the last usable admin key: create another admin key first")
        }
    }

    /// A key as the API lists it: never the key, never its full hash.
    static func keyView(_ key: StoredKey, now: Int64) -> [String: Any] {
        let status = key.revokedAt != 0 ? "revoked" : key.isUsable(at: now) ? "active" : "expired"
        return [
            "id": key.id, "role": key.role, "account": key.account == 0 ? NSNull() as Any : key.account as Any,
            "label": key.label,
            "createdAt": time(key.createdAt), "expiresAt": time(key.expiresAt), "revokedAt": time(key.revokedAt),
            "status": status,
        ]
    }

    /// Seconds since 1970 as RFC 3339 UTC; null when not set (0).
    static func time(_ seconds: Int64) -> Any {
        guard seconds != 0 else { return NSNull() }
        return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
