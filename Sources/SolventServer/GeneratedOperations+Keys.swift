import Foundation
import OpenAPIRuntime
import SolventStore

/// The key lifecycle over the API (admin only): create, list, revoke, expire. A key is shown
/// once, at creation; afterwards it is named by its id (the first 16 hex digits of its SHA-256),
/// and neither the key nor its full hash is ever returned. Revocation and expiry take effect on
/// the key's very next request (the service forgets its cached principal).
extension GeneratedOperations {
    func createKey(_ input: Operations.CreateKey.Input) async throws -> Operations.CreateKey.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        let role: Role = try FieldValue.choice(body.role, field: "role")
        let account = body.account?.value
        if role == .trader && account == nil { throw APIError.invalid("account", "a trader key needs its account") }
        if !role.takesAccount && account != nil {
            throw APIError.invalid(
                "account", "only trader and liquidator keys act for an account; a \(role.rawValue) key takes none")
        }
        let label = try body.label.map { try FieldValue.name($0, field: "label") } ?? role.rawValue
        // Up to ten years; absent, the key does not expire (revoke it to end it).
        let lifetime = try FieldValue.integer(
            body.expiresInSeconds, field: "expiresInSeconds", default: 0, in: 1...315_360_000)
        let (key, stored) = try await AccessKeys.issue(
            role: role, account: account, label: label,
            expiresAt: lifetime > 0 ? AccessKeys.now() + lifetime : 0, in: service.store)
        let view = try Self.keyView(stored, now: AccessKeys.now())
        guard let shownRole = Components.Schemas.CreatedKey.RolePayload(rawValue: view.role.rawValue),
            let status = Components.Schemas.CreatedKey.StatusPayload(rawValue: view.status.rawValue)
        else { throw APIError(.internalServerError, "internal", "the key's role or status has no name") }
        let created = Components.Schemas.CreatedKey(
            id: view.id, role: shownRole, account: view.account, label: view.label, createdAt: view.createdAt,
            expiresAt: view.expiresAt, revokedAt: view.revokedAt, status: status, key: key)
        return .created(.init(body: .json(created)))
    }

    func listKeys(_ input: Operations.ListKeys.Input) async throws -> Operations.ListKeys.Output {
        let now = AccessKeys.now()
        let keys = try await service.store.keys(limit: SolventService.keyListLimit).filter {
            Role(rawValue: $0.role) != nil
        }
        return .ok(.init(body: .json(.init(keys: try keys.map { try Self.keyView($0, now: now) }))))
    }

    func revokeKey(_ input: Operations.RevokeKey.Input) async throws -> Operations.RevokeKey.Output {
        var stored = try await service.storedKey(id: input.path.id)
        if stored.revokedAt == 0 {  // revoking twice keeps the first time
            try await service.requireAnotherAdmin(besides: stored)
            stored.revokedAt = AccessKeys.now()
            try await service.store.saveKey(stored)
            service.forgetKey(hash: stored.hash)
        }
        return .ok(.init(body: .json(try Self.keyView(stored, now: AccessKeys.now()))))
    }

    /// `{"inSeconds": 0}` ends the key now; more sets (or moves) a live key's expiry.
    func expireKey(_ input: Operations.ExpireKey.Input) async throws -> Operations.ExpireKey.Output {
        guard case .json(let body) = input.body else { throw APIError.invalid("body", "expected a JSON object") }
        var stored = try await service.storedKey(id: input.path.id)
        let delay = try FieldValue.integer(body.inSeconds, field: "inSeconds", in: 0...315_360_000)
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
        return .ok(.init(body: .json(try Self.keyView(stored, now: AccessKeys.now()))))
    }

    /// A key as the API lists it: never the key, never its full hash; a time not set (0) is left
    /// out.
    static func keyView(_ key: StoredKey, now: Int64) throws -> Components.Schemas.Key {
        func time(_ seconds: Int64) -> Date? {
            seconds == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        guard let role = Components.Schemas.Key.RolePayload(rawValue: key.role) else {
            throw APIError(.internalServerError, "internal", "key \(key.id) has an unknown role")
        }
        return .init(
            id: key.id, role: role, account: key.account == 0 ? nil : APIAccountID(key.account), label: key.label,
            createdAt: time(key.createdAt), expiresAt: time(key.expiresAt), revokedAt: time(key.revokedAt),
            status: key.revokedAt != 0 ? .revoked : key.isUsable(at: now) ? .active : .expired)
    }
}

extension SolventService {
    /// At most this many keys are listed (and searched for an id).
    static let keyListLimit = 10_000

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
}
