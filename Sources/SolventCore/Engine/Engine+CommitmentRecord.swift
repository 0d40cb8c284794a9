/// Recording a published commitment root in the journal. The root is built
/// outside the engine (its salts are keyed by the store's secret), so the engine checks what it
/// can: that the root names the state just before this input — its sequence and its digest —
/// and that its per-asset sums are shaped like the engine's assets and never negative. A replay
/// re-executes the record, so a root journaled beside a different state is refused there too.
extension Engine {
    func planRecordCommitment(_ root: CommitmentRoot, digestBefore: String?) -> Result<[Event], Rejection> {
        let previous = lastSequence &- 1
        guard root.sequence == previous else {
            return .failure(
                Rejection(
                    .commitmentMismatch, field: "sequence",
                    "the root commits to sequence \(root.sequence); only the state just before this input (\(previous)) can be recorded"
                ))
        }
        guard let digestBefore, root.stateDigest == digestBefore else {
            return .failure(
                Rejection(
                    .commitmentMismatch, field: "stateDigest",
                    "the root names state digest \(root.stateDigest), not the engine's"))
        }
        guard root.hash.utf8.count == 64, [UInt8](hexString: root.hash) != nil else {
            return .failure(Rejection(.invalidParameter, field: "hash", "expected 64 hex digits"))
        }
        guard root.assets == assets.map({ $0.spec.id.rawValue }), root.sums.count == assets.count else {
            return .failure(
                Rejection(
                    .commitmentMismatch, field: "assets", "the root's sums must follow the engine's assets in order"))
        }
        guard root.sums.allSatisfy({ $0 >= 0 }), root.leaves >= 0, root.leaves <= accounts.count else {
            return .failure(
                Rejection(
                    .commitmentMismatch, field: "sums", "sums are never negative and leaves at most one per account"))
        }
        return .success([.commitmentRecorded(root)])
    }
}
