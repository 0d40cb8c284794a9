import Crypto

/// A Merkle-sum tree over per-asset amounts (issue #9): every node carries the hash of its
/// children *and their sums*, so a path from a leaf to the root proves both that the leaf is in
/// the tree and how much the rest of the tree adds up to, without showing any other leaf.
///
/// Hashes (SHA-256, domain-separated):
///   leaf    = H(0x00 ‖ salt ‖ leaf data)                    (the data is the caller's encoding)
///   padding = H(0x02 ‖ padding seed ‖ index)                 (sums zero)
///   node    = H(0x01 ‖ left.hash ‖ left.sums ‖ right.hash ‖ right.sums)
/// Sums are little-endian Int64 per asset, never negative (a negative leaf is refused when
/// building and when verifying: a debt cannot offset another account's claim).
public struct MerkleSumTree: Sendable {
    public struct Node: Hashable, Sendable, Codable {
        public var hash: [UInt8]
        public var sums: [Int64]
        public init(hash: [UInt8], sums: [Int64]) {
            self.hash = hash
            self.sums = sums
        }
    }

    /// One step of a path: the sibling at this level, and whether it is on the left.
    public struct Step: Hashable, Sendable, Codable {
        public var sibling: Node
        public var siblingOnLeft: Bool
        public init(sibling: Node, siblingOnLeft: Bool) {
            self.sibling = sibling
            self.siblingOnLeft = siblingOnLeft
        }
    }

    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        case negativeSum(level: Int)
        case sumOverflow(level: Int)
        case wrongWidth
        case rootMismatch
        public var description: String {
            switch self {
            case .negativeSum(let level): return "a negative sum at level \(level) (a debt cannot offset another account's claim)"
            case .sumOverflow(let level): return "sums overflow at level \(level)"
            case .wrongWidth: return "sums of different widths"
            case .rootMismatch: return "the path does not lead to the published root"
            }
        }
    }

    /// Levels bottom-up; levels[0] are the leaves (padded to a power of two).
    public private(set) var levels: [[Node]]
    public var root: Node { levels.last![0] }
    public var width: Int { root.sums.count }

    /// Builds the tree from leaves already hashed; pads with zero-sum leaves to a power of two.
    public init(leaves: [Node], width: Int, paddingSeed: [UInt8]) throws {
        var level = leaves
        for leaf in leaves {
            guard leaf.sums.count == width else { throw Failure.wrongWidth }
            if leaf.sums.contains(where: { $0 < 0 }) { throw Failure.negativeSum(level: 0) }
        }
        var size = 1
        while size < max(1, level.count) { size <<= 1 }
        level.reserveCapacity(size)
        while level.count < size { level.append(Self.padding(seed: paddingSeed, index: level.count, width: width)) }
        var levels = [level]
        var depth = 0
        while level.count > 1 {
            depth += 1
            var next: [Node] = []
            next.reserveCapacity(level.count / 2)
            var index = 0
            while index < level.count {
                next.append(try Self.parent(level[index], level[index + 1], level: depth))
                index += 2
            }
            levels.append(next)
            level = next
        }
        self.levels = levels
    }

    public static func leafHash(salt: [UInt8], data: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: salt)
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    static func padding(seed: [UInt8], index: Int, width: Int) -> Node {
        var hasher = SHA256()
        hasher.update(data: [0x02])
        hasher.update(data: seed)
        withUnsafeBytes(of: UInt64(index).littleEndian) { hasher.update(bufferPointer: $0) }
        return Node(hash: Array(hasher.finalize()), sums: [Int64](repeating: 0, count: width))
    }

    /// The parent of two nodes: their sums added (checked), the hash over both hashes and sums.
    public static func parent(_ left: Node, _ right: Node, level: Int) throws -> Node {
        guard left.sums.count == right.sums.count else { throw Failure.wrongWidth }
        var sums = [Int64](repeating: 0, count: left.sums.count)
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.hash)
        for value in left.sums {
            if value < 0 { throw Failure.negativeSum(level: level - 1) }
            withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
        }
        hasher.update(data: right.hash)
        for (index, value) in right.sums.enumerated() {
            if value < 0 { throw Failure.negativeSum(level: level - 1) }
            withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
            let (sum, overflow) = left.sums[index].addingReportingOverflow(value)
            if overflow { throw Failure.sumOverflow(level: level) }
            sums[index] = sum
        }
        return Node(hash: Array(hasher.finalize()), sums: sums)
    }

    /// The path from leaf `index` to the root.
    public func path(of index: Int) -> [Step] {
        var steps: [Step] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            steps.append(Step(sibling: level[sibling], siblingOnLeft: sibling < position))
            position >>= 1
        }
        return steps
    }

    /// Folds a leaf up its path; the result must equal `root` (hash and sums). Every sum on the
    /// way must be non-negative.
    public static func verify(leaf: Node, path: [Step], root: Node) -> Result<Void, Failure> {
        var node = leaf
        do {
            for (level, step) in path.enumerated() {
                node = step.siblingOnLeft ? try parent(step.sibling, node, level: level + 1) : try parent(node, step.sibling, level: level + 1)
            }
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.rootMismatch)
        }
        if node.sums.contains(where: { $0 < 0 }) { return .failure(.negativeSum(level: path.count)) }
        return node == root ? .success(()) : .failure(.rootMismatch)
    }
}
