/// The root of the Merkle-sum commitment to every account (built by `SolventProofs`), as the
/// engine journals it: the engine checks that it names the state just before its record.
public struct CommitmentRoot: Hashable, Sendable, Codable {
    public var sequence: UInt64
    public var stateDigest: String
    public var hash: String
    /// Asset ids in the order of `sums` (the engine's asset order).
    public var assets: [UInt32]
    /// Total liabilities per asset, in atoms of that asset.
    public var sums: [Int64]
    public var leaves: Int

    public init(sequence: UInt64, stateDigest: String, hash: String, assets: [UInt32], sums: [Int64], leaves: Int) {
        (self.sequence, self.stateDigest, self.hash) = (sequence, stateDigest, hash)
        (self.assets, self.sums, self.leaves) = (assets, sums, leaves)
    }
}
