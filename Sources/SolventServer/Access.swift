import Crypto
import Foundation
import SolventStore

/// Who may do what. Keys are random 32-byte tokens shown once; the store keeps only their
/// SHA-256, with the key's lifecycle (created, expires, revoked).
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Markets, assets, parameters, accounts, deposits, fills, keys.
    case admin
    /// Price updates and volatility smiles (market data that moves marks).
    case oracle
    /// One account: its own reads, withdrawals, leverage, isolated margin, margin model and stream.
    case trader
    /// Liquidation steps, auction bids and restarts, backstop registration (bids and backstops
    /// only for the key's own account).
    case liquidator
    /// Reads only.
    case readonly

    /// Operators see the whole venue (the dashboard's nearest-liquidation table, every account).
    var isOperator: Bool { self == .admin || self == .readonly }

    /// Whether a key of this role may be bound to an account (a trader's must be).
    var takesAccount: Bool { self == .trader || self == .liquidator }
}

public struct Principal: Sendable, Equatable {
    public var role: Role
    /// The account the key acts for (a trader's, or a liquidator's own bidding account).
    public var account: UInt64?
    /// The stored hash of the key (names it in the cache, in browser sessions and tickets).
    public var keyHash: String = ""
    /// Seconds since 1970 from which the key is refused (0: never).
    var expiresAt: Int64 = 0

    /// Refuses acting in another account's name: a key bound to an account acts only for it,
    /// and a liquidator key without an account cannot act for any (it may still submit
    /// liquidation steps, without a keeper reward).
    func requireActing(for account: UInt64, _ what: String) throws {
        guard role == .liquidator || role == .trader else { return }
        guard let own = self.account else {
            throw APIError.forbidden(
                "a \(role.rawValue) key without an account cannot \(what): create one bound to the account (POST /v1/keys with \"account\")"
            )
        }
        if own != account {
            throw APIError.forbidden(
                "this \(role.rawValue) key acts only for account \(own); it cannot \(what) for account \(account)")
        }
    }
}

public enum AccessKeys {
    public static func hash(_ key: String) -> String { hex(SHA256.hash(data: Data(key.utf8))) }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// 32 random bytes as hex from the system's generator (keys, tickets and sessions are not
    /// engine inputs: determinism does not apply).
    static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// A new key: "sk_" and 64 hex digits.
    public static func generate() -> String { "sk_" + randomHex() }

    /// Wall-clock seconds since 1970: key lifetimes are about the real world, not the engine's
    /// clock (which only moves with journaled inputs).
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970.rounded(.down)) }

    /// Stores a new key for `role` and returns it (the only time it is seen).
    public static func create(
        role: Role, account: UInt64?, label: String, expiresAt: Int64 = 0, in store: JournalStore
    ) async throws -> String {
        try await issue(role: role, account: account, label: label, expiresAt: expiresAt, in: store).key
    }

    /// As `create`, with the stored record (its id, times) for the reply.
    static func issue(
        role: Role, account: UInt64?, label: String, expiresAt: Int64, in store: JournalStore
    ) async throws -> (key: String, stored: StoredKey) {
        let key = generate()
        let stored = StoredKey(
            hash: hash(key), role: role.rawValue, account: account ?? 0, label: label, createdAt: now(),
            expiresAt: expiresAt)
        try await store.saveKey(stored)
        return (key, stored)
    }
}

extension APIError {
    /// Keys in URLs end up in access logs, browser history and Referer headers.
    static let keyInURL = APIError(
        .unauthorized, "keyInURL",
        "keys are not accepted in URLs (they end up in logs and browser history): send Authorization: Bearer <key>; "
            + "in a browser sign in at /dashboard; for /v1/stream use the header or a ticket from POST /v1/tickets")
    static let keyRevoked = APIError(.unauthorized, "keyRevoked", "this key was revoked: ask an admin for a new one")
    static let keyExpired = APIError(.unauthorized, "keyExpired", "this key has expired: ask an admin for a new one")
}
