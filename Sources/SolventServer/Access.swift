import Crypto
import Foundation
import SolventStore

/// Who may do what (issue #8, item 3). Keys are random 32-byte tokens shown once; the store
/// keeps only their SHA-256.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Markets, assets, parameters, accounts, deposits, fills, keys.
    case admin
    /// Price updates.
    case oracle
    /// One account: its own reads, withdrawals and stream.
    case trader
    /// Liquidation steps, auction bids, backstop registration.
    case liquidator
    /// Reads only.
    case readonly
}

public struct Principal: Sendable, Equatable {
    public var role: Role
    /// The account a trader key acts for.
    public var account: UInt64?
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

    /// A new key: "sk_" and 64 hex digits from the system's random generator (keys are not
    /// engine inputs: determinism does not apply).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "sk_" + hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Stores a new key for `role` and returns it (the only time it is seen).
    public static func create(role: Role, account: UInt64?, label: String, in store: JournalStore) async throws -> String {
        let key = generate()
        try await store.saveKey(StoredKey(hash: hash(key), role: role.rawValue, account: account ?? 0, label: label))
        return key
    }
}
