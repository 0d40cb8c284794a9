import Foundation
import SolventCore

/// The commitment secret (32 random bytes, created on first use and kept in the store: it keys
/// the salts and the leaf order, so only the venue can build proofs) and the published roots.
public enum Commitments {
    public static func secret(_ store: JournalStore) async throws -> [UInt8] {
        if let text = try await store.setting("commitment-secret"), let bytes = [UInt8](hexString: text), bytes.count == 32 { return bytes }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await store.saveSetting("commitment-secret", bytes.hexString)
        return bytes
    }

    /// Records a root as published (by sequence, and as the latest).
    public static func publish(_ root: AccountCommitment.Root, in store: JournalStore) async throws {
        let text = String(decoding: try JSONEncoder().encode(root), as: UTF8.self)
        try await store.saveSetting("commitment-root:\(root.sequence)", text)
        try await store.saveSetting("commitment-root:latest", text)
    }

    public static func published(at sequence: UInt64?, in store: JournalStore) async throws -> AccountCommitment.Root? {
        guard let text = try await store.setting(sequence.map { "commitment-root:\($0)" } ?? "commitment-root:latest") else { return nil }
        return try JSONDecoder().decode(AccountCommitment.Root.self, from: Data(text.utf8))
    }

    /// Replays the journal up to `sequence` (the end when nil) and returns the engine there and,
    /// per market, the last price input before it (journal JSON), for proofs.
    public static func state(at sequence: UInt64?, from store: JournalStore) async throws -> (Engine, [String]) {
        let (engine, inputs) = try await stateByMarket(at: sequence, from: store)
        return (engine, inputs.keys.sorted().map { inputs[$0]! })
    }

    /// As `state`, with the last price input keyed by market id.
    public static func stateByMarket(at sequence: UInt64?, from store: JournalStore) async throws -> (Engine, [UInt32: String]) {
        var engine = Engine()
        var priceInputs: [UInt32: String] = [:]
        var after: UInt64 = 0
        let end = sequence ?? UInt64.max
        paging: while true {
            let page = try await store.entries(after: after, limit: 5_000)
            if page.isEmpty { break }
            for entry in page {
                if entry.sequence > end { break paging }
                let input = try entry.input(now: engine.now)
                switch input.command {
                case .setMarkPrice(let market, _, _), .updateOracle(let market, _, _, _): priceInputs[market.rawValue] = entry.command
                default: break
                }
                _ = engine.execute(input)
            }
            after = page.last!.sequence
        }
        if let sequence, engine.lastSequence != sequence { throw StoreError.corrupt("the journal ends at \(engine.lastSequence), before \(sequence)") }
        return (engine, priceInputs)
    }
}
