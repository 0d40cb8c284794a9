import Foundation
import SolventCore
import SolventProofs

/// The commitment secret (32 random bytes, created on first use and kept in the store: it keys
/// the salts and the leaf order, so only the venue can build proofs) and the roots the journal
/// records (`Command.recordCommitment`, written by `JournaledEngine.publishCommitment` and at
/// every snapshot).
public enum Commitments {
    public static func secret(_ store: JournalStore) async throws -> [UInt8] {
        if let text = try await store.setting("commitment-secret"), let bytes = [UInt8](hexString: text),
            bytes.count == 32
        {
            return bytes
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await store.saveSetting("commitment-secret", bytes.hexString)
        return bytes
    }

    /// Whether a journal entry records a commitment (a cheap look at the command's JSON key; the
    /// caller decodes to be sure).
    static func isCommitmentRecord(_ entry: JournalEntry) -> Bool { entry.command.hasPrefix("{\"recordCommitment\"") }

    /// The roots the journal records, in order (each as the record states it: a replay checks
    /// that the engine accepted it, `rootAt` that its state rebuilds it).
    public static func journaledRoots(in store: JournalStore) async throws -> [AccountCommitment.Root] {
        var roots: [AccountCommitment.Root] = []
        var after: UInt64 = 0
        while true {
            let page = try await store.entries(after: after, limit: 5_000)
            guard let last = page.last else { break }
            for entry in page where isCommitmentRecord(entry) {
                if case .recordCommitment(let root) = try JournalCodec.decode(entry.command) { roots.append(root) }
            }
            after = last.sequence
        }
        return roots
    }

    /// The state a journaled root commits to (the latest root when `sequence` is nil), its
    /// commitment rebuilt with the store's secret, and the price inputs in force: refused when no
    /// root was recorded for that sequence, when the engine refused the record, or when the
    /// rebuilt root differs from the journaled one.
    public static func rootAt(
        _ sequence: UInt64?, in store: JournalStore
    )
        async throws -> (engine: Engine, commitment: AccountCommitment, priceInputs: [String])
    {
        let roots = try await journaledRoots(in: store)
        guard let root = sequence.map({ wanted in roots.last { $0.sequence == wanted } }) ?? roots.last else {
            let known = roots.suffix(5).map { String($0.sequence) }.joined(separator: ", ")
            throw StoreError.notFound(
                sequence.map {
                    "no commitment root was journaled for sequence \($0)"
                        + (known.isEmpty ? " (none yet: run solvent commit)" : " (latest: \(known))")
                }
                    ?? "no commitment root in the journal yet: run solvent commit")
        }
        let (engine, prices) = try await state(at: root.sequence, from: store)
        var recorded = engine
        guard let entry = try await store.entries(after: root.sequence, limit: 1).first,
            case .applied = recorded.execute(try entry.input(now: engine.now)),
            recorded.latestCommitment == root
        else {
            throw StoreError.corrupt(
                "the root journaled for sequence \(root.sequence) was refused by the engine on replay")
        }
        let commitment = try engine.commitment(secret: try await secret(store), parallel: .cores)
        guard commitment.root == root else {
            throw StoreError.corrupt(
                "the rebuilt root \(commitment.root.hash) at \(root.sequence) differs from the journaled \(root.hash)")
        }
        return (engine, commitment, prices)
    }

    /// Replays the journal up to `sequence` (the end when nil) and returns the engine there and,
    /// per market, the last price input before it (journal JSON), for proofs.
    public static func state(at sequence: UInt64?, from store: JournalStore) async throws -> (Engine, [String]) {
        let (engine, inputs) = try await stateByMarket(at: sequence, from: store)
        return (engine, inputs.keys.sorted().map { inputs[$0]! })
    }

    /// As `state`, with the last price input keyed by market id.
    public static func stateByMarket(
        at sequence: UInt64?, from store: JournalStore
    ) async throws -> (Engine, [UInt32: String]) {
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
                case .setMarkPrice(let market, _, _), .updateOracle(let market, _, _, _):
                    priceInputs[market.rawValue] = entry.command
                default: break
                }
                _ = engine.execute(input)
            }
            after = page.last!.sequence
        }
        if let sequence, engine.lastSequence != sequence {
            throw StoreError.corrupt("the journal ends at \(engine.lastSequence), before \(sequence)")
        }
        return (engine, priceInputs)
    }
}
