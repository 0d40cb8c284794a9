import SolventCore
import SolventProofs

/// The whole-journal check `solvent replay` prints: every input re-executed from an empty
/// engine, every recorded checkpoint digest compared with the replayed state's, every journaled
/// commitment root rebuilt from the state before its record (the store's secret keys the salts)
/// and compared, and the latest snapshot's digest compared with the state replayed up to it.
public struct JournalVerification: Sendable, Equatable {
    public var inputs: Int
    public var lastSequence: UInt64
    public var digest: String
    /// Checkpoints whose recorded digest the replay did not reproduce.
    public var checkpointMismatches: [UInt64]
    public var snapshotsChecked: Int
    public var snapshotMismatches: [UInt64]
    public var commitmentRootsChecked: Int
    public var commitmentRootMismatches: [UInt64]

    /// Every recorded digest and commitment root matches.
    public var isConsistent: Bool {
        checkpointMismatches.isEmpty && snapshotMismatches.isEmpty && commitmentRootMismatches.isEmpty
    }

    /// Replays `store` from the start; `progress` receives each replayed sequence.
    public static func verify(
        _ store: JournalStore, progress: ((UInt64) -> Void)? = nil
    ) async throws -> JournalVerification {
        var engine = Engine()
        let secret = try await Commitments.secret(store)
        var rootsChecked = 0
        var rootMismatches: [UInt64] = []
        let (replayed, mismatches) = try await JournaledEngine.replay(
            &engine, from: store, progress: progress,
            commitmentRecord: { before, root, outcome in
                rootsChecked += 1
                guard case .applied = outcome, try before.commitment(secret: secret, parallel: .cores).root == root
                else {
                    rootMismatches.append(root.sequence)
                    return
                }
            })
        var snapshotsChecked = 0
        var snapshotMismatches: [UInt64] = []
        if let snapshot = try await store.latestSnapshot() {
            let (check, _) = try await Commitments.state(at: snapshot.sequence, from: store)
            snapshotsChecked = 1
            if check.digestHex() != snapshot.digest { snapshotMismatches.append(snapshot.sequence) }
        }
        return JournalVerification(
            inputs: replayed, lastSequence: engine.lastSequence, digest: engine.digestHex(),
            checkpointMismatches: mismatches, snapshotsChecked: snapshotsChecked,
            snapshotMismatches: snapshotMismatches,
            commitmentRootsChecked: rootsChecked, commitmentRootMismatches: rootMismatches)
    }
}
