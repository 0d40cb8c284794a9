import Crypto
import SolventCore

/// One commitment over a sharded venue: a Merkle-sum tree whose leaves are the shards' roots,
/// each hashed under its own domain tag (0x03, beside the account leaf's 0x00, the parent's 0x01
/// and the padding's 0x02) with the shard's number, the venue's shard count, and the root's
/// sequence and state digest, so a shard's root cannot stand for an account's leaf, for another
/// shard's, or for the same shard at another moment. The venue's root sums the shards' liabilities per asset;
/// a trader's proof is their shard's path to the shard root followed by the shard root's path
/// here. The shards' roots must be taken at one cut of the venue (the coordinator records them
/// between the same two venue inputs) and over the same assets in the same order.
public struct VenueCommitment: Sendable {
    public let shardRoots: [CommitmentRoot]
    public let tree: MerkleSumTree

    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        case noShards
        case assetsDiffer(shard: Int)
        case badHash(shard: Int)

        public var description: String {
            switch self {
            case .noShards: "a venue commitment needs at least one shard root"
            case .assetsDiffer(let shard): "shard \(shard)'s root covers other assets than shard 0's"
            case .badHash(let shard): "shard \(shard)'s root hash or state digest is not 32 bytes of hex"
            }
        }
    }

    public init(shardRoots: [CommitmentRoot]) throws {
        guard let first = shardRoots.first else { throw Failure.noShards }
        var leaves: [MerkleSumTree.Node] = []
        for (shard, root) in shardRoots.enumerated() {
            guard root.assets == first.assets, root.sums.count == first.assets.count else {
                throw Failure.assetsDiffer(shard: shard)
            }
            guard let leaf = Self.leaf(shard: shard, of: shardRoots.count, root: root) else {
                throw Failure.badHash(shard: shard)
            }
            leaves.append(leaf)
        }
        // The padding is derived from the shards' roots: anyone can rebuild the tree.
        var seed = SHA256()
        for leaf in leaves { seed.update(data: leaf.hash) }
        self.shardRoots = shardRoots
        self.tree = try MerkleSumTree(
            leaves: leaves, width: max(1, first.assets.count), paddingSeed: Array(seed.finalize()))
    }

    public var root: MerkleSumTree.Node { tree.root }

    /// A shard's root as a leaf of the venue's tree (nil: its hash is not 32 bytes of hex).
    public static func leaf(shard: Int, of shards: Int, root: CommitmentRoot) -> MerkleSumTree.Node? {
        guard let hash = [UInt8](hexString: root.hash), hash.count == 32,
            let digest = [UInt8](hexString: root.stateDigest), digest.count == 32
        else { return nil }
        var hasher = SHA256()
        hasher.update(data: [0x03])
        withUnsafeBytes(of: UInt32(shard).littleEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: UInt32(shards).littleEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: root.sequence.littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: digest)
        hasher.update(data: hash)
        return MerkleSumTree.Node(hash: Array(hasher.finalize()), sums: root.sums)
    }

    /// The path from a shard's root to the venue's root.
    public func path(ofShard shard: Int) -> [MerkleSumTree.Step] { tree.path(of: shard) }

    /// Checks that `root` is shard `shard`'s (of `shards`) root under `venueRoot`.
    public static func verify(
        shard: Int, of shards: Int, root: CommitmentRoot, path: [MerkleSumTree.Step], venueRoot: MerkleSumTree.Node
    ) -> Result<Void, MerkleSumTree.Failure> {
        guard let leaf = leaf(shard: shard, of: shards, root: root) else { return .failure(.rootMismatch) }
        return MerkleSumTree.verify(leaf: leaf, path: path, root: venueRoot)
    }
}

extension ShardedVenue {
    /// Every shard's commitment and the venue's root over them, at one cut of the venue (the
    /// coordinator applies nothing in between).
    public func commitment(
        secret: [UInt8], parallel: ParallelChunks = .sequential
    ) throws -> (shards: [AccountCommitment], venue: VenueCommitment) {
        let commitments = try shards.map { try $0.commitment(secret: secret, parallel: parallel) }
        return (commitments, try VenueCommitment(shardRoots: commitments.map(\.root)))
    }
}
