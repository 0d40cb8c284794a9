import Crypto
import SolventCore

/// Commitments to every account: a Merkle-sum tree whose leaves are salted hashes of
/// each account's collateral, positions and margin figures, summing what the venue owes each
/// account per asset. Nothing here is an engine input: it reads the state.
public struct AccountCommitment: Sendable {
    /// What the venue publishes (the engine journals it with `recordCommitment`).
    public typealias Root = CommitmentRoot

    public let root: Root
    public let tree: MerkleSumTree
    /// Leaf position of each account, by the engine's account index (-1: the venue's book).
    let leafOfAccountIndex: [Int32]
    let secret: [UInt8]

    /// The leaf of an account (by its index in the engine that built the commitment).
    public func leaf(ofAccountIndex index: Int) -> Int? {
        index < leafOfAccountIndex.count && leafOfAccountIndex[index] >= 0 ? Int(leafOfAccountIndex[index]) : nil
    }

    public func salt(of account: AccountID) -> [UInt8] {
        Engine.salt(secret: secret, account: account, sequence: root.sequence)
    }
}

extension Engine {
    public static let commitmentFormat: UInt32 = 1

    /// Per asset (engine order): balance + what the positions settled in it hold (isolated margin
    /// plus unrealized PnL at the mark), floored at zero — a debt in one asset is not netted
    /// against a claim, and never against another account's.
    public func liabilities(of account: Account) -> [Int64] {
        var net = [Int128](repeating: 0, count: assets.count)
        for balance in account.balances { net[Int(balance.assetIndex)] += Int128(balance.atoms) }
        for position in account.positions {
            let settle = Int(markets[Int(position.marketIndex)].settleAssetIndex)
            net[settle] += Int128(position.isolatedMargin)
            if case .success(let risk) = positionRisk(
                position, leverage: leverage(of: account, marketIndex: position.marketIndex), override: nil, now: nil)
            {
                net[settle] += Int128(risk.unrealizedPnl)
            }
        }
        return net.map { Int64(clamping: max(0, $0)) }
    }

    /// The canonical bytes a leaf hashes: the account's id, balances, settings and positions,
    /// its margin report's equity, requirements and status, and its liabilities.
    public func leafData(of account: Account, liabilities: [Int64]) -> [UInt8] {
        var encoder = CanonicalEncoder(reserving: 256)
        encoder.write(Engine.commitmentFormat)
        encoder.write(account.id.rawValue)
        encoder.write(account.balances.count)
        for balance in account.balances {
            encoder.write(assets[Int(balance.assetIndex)].spec.id.rawValue)
            encoder.write(balance.atoms)
        }
        encoder.write(account.settings.count)
        for setting in account.settings {
            encoder.write(markets[Int(setting.marketIndex)].spec.id.rawValue)
            encoder.write(setting.leverage)
            encoder.write(setting.isolated)
        }
        encoder.write(account.positions.count)
        for position in account.positions {
            encoder.write(position.market.rawValue)
            encoder.write(position.size)
            encoder.write(position.cost)
            encoder.write(position.isolated)
            encoder.write(position.isolatedMargin)
            encoder.write(position.realizedPnl)
            encoder.write(position.fundingPnl)
        }
        switch marginReport(of: account.id, includingPrices: false) {
        case .success(let report)?:
            encoder.write(true)
            encoder.write(report.equity.atoms)
            encoder.write(report.initialMargin.atoms)
            encoder.write(report.maintenanceMargin.atoms)
            encoder.write(report.status.rawValue)
        default:
            encoder.write(false)
        }
        encoder.write(liabilities.count)
        for value in liabilities { encoder.write(value) }
        return encoder.bytes
    }

    /// A salt per account and snapshot: HMAC(secret, "salt" ‖ account ‖ sequence). Revealing one
    /// account's salt reveals nothing about another's.
    static func salt(secret: [UInt8], account: AccountID, sequence: UInt64) -> [UInt8] {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: secret))
        mac.update(data: message("salt", account.rawValue, sequence))
        return Array(mac.finalize())
    }

    /// tag ‖ account (LE) ‖ sequence (LE): the messages the commitment's HMACs sign.
    static func message(_ tag: StaticString, _ account: UInt64, _ sequence: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: tag.utf8CodeUnitCount + 16)
        tag.withUTF8Buffer { for (index, byte) in $0.enumerated() { bytes[index] = byte } }
        var offset = tag.utf8CodeUnitCount
        for value in [account, sequence] {
            var v = value
            for _ in 0..<8 { bytes[offset] = UInt8(truncatingIfNeeded: v); v >>= 8; offset += 1 }
        }
        return bytes
    }

    /// Commits to every account but the venue's book. Leaves are placed in the order of their
    /// salts, which only the secret determines (so a leaf's position says nothing about when the
    /// account opened), and padded with zero-sum leaves to a power of two.
    /// `stateDigest`: the digest when the caller has it already (a snapshot computes it), so the
    /// commitment does not hash the whole state a second time.
    /// `parallel`: how the salt and leaf chunks run (the store passes all cores).
    public func commitment(
        secret: [UInt8], stateDigest: String? = nil, parallel: ParallelChunks = .sequential
    ) throws -> AccountCommitment {
        let sequence = lastSequence
        // Pass 1, in chunks (on every core when the caller gives them): each account's salt (each worker keys its own HMAC). The salt
        // also orders the leaves: it is secret-keyed and unique to the account and sequence, and
        // a trader who learns their own salt learns only their own position.
        let count = accounts.count - 1
        let ids = accounts.dropFirst().map(\.id.rawValue)
        let secretCopy = secret
        var salts = [UInt8](repeating: 0, count: max(0, count) * 32)
        salts.withUnsafeMutableBufferPointer { buffer in
            let out = SaltOutput(salts: buffer.baseAddress!)
            let chunks = max(1, min(64, count / 4_096))
            parallel.run(chunks) { chunk in
                let mac = HMAC<SHA256>(key: SymmetricKey(data: secretCopy))
                for position in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
                    var copy = mac
                    copy.update(data: Engine.message("salt", ids[position], sequence))
                    copy.finalize().withUnsafeBytes {
                        UnsafeMutableRawPointer(out.salts.advanced(by: position * 32)).copyMemory(
                            from: $0.baseAddress!, byteCount: 32)
                    }
                }
            }
        }
        var order: [(high: UInt64, low: UInt64, index: Int32)] = salts.withUnsafeBytes { bytes in
            (0..<max(0, count)).map { position in
                (
                    bytes.loadUnaligned(fromByteOffset: position * 32, as: UInt64.self).bigEndian,
                    bytes.loadUnaligned(fromByteOffset: position * 32 + 8, as: UInt64.self).bigEndian,
                    Int32(position + 1)
                )
            }
        }
        order.sort { ($0.high, $0.low, $0.index) < ($1.high, $1.low, $1.index) }
        let width = assets.count
        var hashes = [UInt8](repeating: 0, count: order.count * 32)
        var sums = [Int64](repeating: 0, count: order.count * width)
        var leafOfAccountIndex = [Int32](repeating: -1, count: accounts.count)
        for (position, entry) in order.enumerated() { leafOfAccountIndex[Int(entry.index)] = Int32(position) }
        // Pass 2, in chunks of accounts in the engine's order (not salt order: memory is read in
        // sequence): each leaf written to its salt-ranked slot; the split does not change the result.
        let engine = self
        let chunks = max(1, min(64, order.count / 4_096))
        let leafSlots = leafOfAccountIndex
        let saltTable = salts
        hashes.withUnsafeMutableBufferPointer { hashBuffer in
            sums.withUnsafeMutableBufferPointer { sumBuffer in
                let out = LeafOutput(hashes: hashBuffer.baseAddress!, sums: sumBuffer.baseAddress!)
                parallel.run(chunks) { chunk in
                    let range = (1 + count * chunk / chunks)..<(1 + count * (chunk + 1) / chunks)
                    for accountIndex in range {
                        let position = Int(leafSlots[accountIndex])
                        let account = engine.accounts[accountIndex]
                        let owed = engine.liabilities(of: account)
                        var hasher = SHA256()
                        hasher.update(data: [0x00])
                        saltTable.withUnsafeBytes {
                            hasher.update(
                                bufferPointer: UnsafeRawBufferPointer(
                                    rebasing: $0[((accountIndex - 1) * 32)..<(accountIndex * 32)]))
                        }
                        hasher.update(data: engine.leafData(of: account, liabilities: owed))
                        hasher.finalize().withUnsafeBytes { digest in
                            UnsafeMutableRawPointer(out.hashes.advanced(by: position * 32)).copyMemory(
                                from: digest.baseAddress!, byteCount: 32)
                        }
                        for column in 0..<width { out.sums[position * width + column] = owed[column] }
                    }
                }
            }
        }
        let keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
        var paddingSeed: [UInt8] = Array("padding".utf8)
        withUnsafeBytes(of: sequence.littleEndian) { paddingSeed.append(contentsOf: $0) }
        var paddingMac = keyed
        paddingMac.update(data: paddingSeed)
        let tree = try MerkleSumTree(
            leafHashes: hashes, leafSums: sums, width: width, paddingSeed: Array(paddingMac.finalize()),
            parallel: parallel)
        let root = AccountCommitment.Root(
            sequence: sequence, stateDigest: stateDigest ?? digestHex(), hash: tree.root.hash.hexString,
            assets: assets.map { $0.spec.id.rawValue }, sums: tree.root.sums, leaves: order.count)
        return AccountCommitment(root: root, tree: tree, leafOfAccountIndex: leafOfAccountIndex, secret: secret)
    }
}

/// Where the parallel salt computation writes: 32 bytes per account.
private struct SaltOutput: @unchecked Sendable {
    let salts: UnsafeMutablePointer<UInt8>
}

/// Where the parallel leaf computation writes: disjoint slots per leaf.
private struct LeafOutput: @unchecked Sendable {
    let hashes: UnsafeMutablePointer<UInt8>
    let sums: UnsafeMutablePointer<Int64>
}
