import Crypto
import SolventCore

/// A Merkle-sum tree over per-asset amounts: every node carries the hash of its
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
        /// A venue without assets has no liabilities to sum: there is nothing to commit to.
        case noAssets
        public var description: String {
            switch self {
            case .negativeSum(let level):
                return "a negative sum at level \(level) (a debt cannot offset another account's claim)"
            case .sumOverflow(let level): return "sums overflow at level \(level)"
            case .wrongWidth: return "sums of different widths"
            case .rootMismatch: return "the path does not lead to the published root"
            case .noAssets: return "the venue has no assets: a commitment sums each asset's liabilities"
            }
        }
    }

    /// One level in flat storage: 32 bytes of hash and `width` sums per node (no allocation per
    /// node: a million-leaf tree is two arrays per level).
    struct Level: Sendable {
        var hashes: [UInt8]
        var sums: [Int64]
        var count: Int { hashes.count / 32 }
    }

    /// Levels bottom-up; levels[0] are the leaves (padded to a power of two).
    var levels: [Level]
    public let width: Int
    public var root: Node { node(level: levels.count - 1, index: 0) }
    public var leafCount: Int { levels[0].count }

    func node(level: Int, index: Int) -> Node {
        let l = levels[level]
        return Node(
            hash: Array(l.hashes[(index * 32)..<(index * 32 + 32)]),
            sums: Array(l.sums[(index * width)..<(index * width + width)]))
    }

    /// Builds the tree from leaves already hashed; pads with zero-sum leaves to a power of two.
    public init(leaves: [Node], width: Int, paddingSeed: [UInt8]) throws {
        var hashes: [UInt8] = []
        var sums: [Int64] = []
        hashes.reserveCapacity(leaves.count * 32)
        sums.reserveCapacity(leaves.count * width)
        for leaf in leaves {
            guard leaf.sums.count == width, leaf.hash.count == 32 else { throw Failure.wrongWidth }
            hashes.append(contentsOf: leaf.hash)
            sums.append(contentsOf: leaf.sums)
        }
        try self.init(leafHashes: hashes, leafSums: sums, width: width, paddingSeed: paddingSeed)
    }

    /// Builds the tree from flat leaves: `leafHashes` 32 bytes each, `leafSums` `width` each.
    /// `parallel` runs the chunks of large levels (the store passes all cores).
    public init(
        leafHashes: [UInt8], leafSums: [Int64], width: Int, paddingSeed: [UInt8], parallel: ParallelChunks = .sequential
    ) throws {
        guard width > 0 else { throw Failure.noAssets }
        guard leafHashes.count % 32 == 0 && leafSums.count == leafHashes.count / 32 * width else {
            throw Failure.wrongWidth
        }
        self.width = width
        if leafSums.contains(where: { $0 < 0 }) { throw Failure.negativeSum(level: 0) }
        var level = Level(hashes: leafHashes, sums: leafSums)
        var size = 1
        while size < max(1, level.count) { size <<= 1 }
        level.hashes.reserveCapacity(size * 32)
        level.sums.reserveCapacity(size * width)
        while level.count < size {
            let pad = Self.padding(seed: paddingSeed, index: level.count, width: width)
            level.hashes.append(contentsOf: pad.hash)
            level.sums.append(contentsOf: pad.sums)
        }
        var levels = [level]
        var depth = 0
        var scratch = [UInt8](repeating: 0, count: 1 + 2 * (32 + 8 * width))
        while level.count > 1 {
            depth += 1
            let parents = level.count / 2
            var next = Level(
                hashes: [UInt8](repeating: 0, count: parents * 32), sums: [Int64](repeating: 0, count: parents * width))
            if parents >= 16_384 {
                // Large levels in chunks (on every core when the caller gives them): each chunk of
                // parents reads its own children.
                try Self.combineInChunks(level, into: &next, width: width, depth: depth, parallel: parallel)
            } else {
                for index in 0..<parents {
                    try Self.combine(
                        level, 2 * index, into: &next, at: index, width: width, scratch: &scratch, depth: depth)
                }
            }
            levels.append(next)
            level = next
        }
        self.levels = levels
    }

    static func combineInChunks(
        _ level: Level, into next: inout Level, width: Int, depth: Int, parallel: ParallelChunks
    ) throws {
        let parents = next.count
        let chunks = 16
        let failed = ParallelFailure()
        next.hashes.withUnsafeMutableBufferPointer { hashBuffer in
            next.sums.withUnsafeMutableBufferPointer { sumBuffer in
                let out = LevelOutput(hashes: hashBuffer.baseAddress!, sums: sumBuffer.baseAddress!)
                parallel.run(chunks) { chunk in
                    var scratch = [UInt8](repeating: 0, count: 1 + 2 * (32 + 8 * width))
                    for index in (parents * chunk / chunks)..<(parents * (chunk + 1) / chunks) {
                        if !combine(
                            level, 2 * index, hash: out.hashes.advanced(by: index * 32),
                            sums: out.sums.advanced(by: index * width),
                            width: width, scratch: &scratch)
                        {
                            failed.set()
                            return
                        }
                    }
                }
            }
        }
        if failed.value { throw Failure.sumOverflow(level: depth) }
    }

    /// The parent of nodes `left` and `left + 1` of `level`, written to `next[at]`.
    static func combine(
        _ level: Level, _ left: Int, into next: inout Level, at: Int, width: Int, scratch: inout [UInt8], depth: Int
    ) throws {
        let ok = next.hashes.withUnsafeMutableBufferPointer { hashes in
            next.sums.withUnsafeMutableBufferPointer { sums in
                combine(
                    level, left, hash: hashes.baseAddress!.advanced(by: at * 32),
                    sums: sums.baseAddress!.advanced(by: at * width),
                    width: width, scratch: &scratch)
            }
        }
        if !ok { throw Failure.sumOverflow(level: depth) }
    }

    /// The parent of nodes `left` and `left + 1`: its hash to `hash` (32 bytes) and its sums to
    /// `sums`; false on overflow.
    @inline(__always)
    static func combine(
        _ level: Level, _ left: Int, hash: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<Int64>, width: Int,
        scratch: inout [UInt8]
    ) -> Bool {
        scratch.withUnsafeMutableBytes { buffer in
            var offset = 0
            buffer[offset] = 0x01
            offset += 1
            for child in left...(left + 1) {
                level.hashes.withUnsafeBytes { hashes in
                    buffer.baseAddress!.advanced(by: offset).copyMemory(
                        from: hashes.baseAddress!.advanced(by: child * 32), byteCount: 32)
                }
                offset += 32
                for column in 0..<width {
                    let value = level.sums[child * width + column]
                    withUnsafeBytes(of: value.littleEndian) {
                        buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: 8)
                    }
                    offset += 8
                }
            }
            for column in 0..<width {
                let (sum, overflow) = level.sums[left * width + column].addingReportingOverflow(
                    level.sums[(left + 1) * width + column])
                if overflow { return false }
                sums[column] = sum
            }
            SHA256.hash(data: UnsafeRawBufferPointer(buffer)).withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(hash).copyMemory(from: bytes.baseAddress!, byteCount: 32)
            }
            return true
        }
    }

    private struct LevelOutput: @unchecked Sendable {
        let hashes: UnsafeMutablePointer<UInt8>
        let sums: UnsafeMutablePointer<Int64>
    }

    /// Set by a worker that hit an overflow (checked after the parallel loop).
    private final class ParallelFailure: @unchecked Sendable {
        private(set) var value = false
        func set() { value = true }  // only ever set to true: a race cannot lose it
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
        for level in 0..<(levels.count - 1) {
            let sibling = position ^ 1
            steps.append(Step(sibling: node(level: level, index: sibling), siblingOnLeft: sibling < position))
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
                node =
                    step.siblingOnLeft
                    ? try parent(step.sibling, node, level: level + 1)
                    : try parent(node, step.sibling, level: level + 1)
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
