import Foundation
import SolventStore

public enum ServiceSetup {
    /// Creates an admin key when the store has none yet (marked by a well-known hash row), and
    /// returns it; nil when one was created before.
    public static func bootstrapAdminKey(_ store: JournalStore) async throws -> String? {
        let marker = AccessKeys.hash("solvent:bootstrap-admin-created")
        if try await store.key(hash: marker) != nil { return nil }
        let key = try await AccessKeys.create(role: .admin, account: nil, label: "bootstrap admin", in: store)
        try await store.saveKey(StoredKey(hash: marker, role: "none", account: 0, label: "bootstrap marker"))
        return key
    }
}
