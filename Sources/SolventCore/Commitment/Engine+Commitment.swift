import Crypto

/// Commitments to every account (issue #9): a Merkle-sum tree whose leaves are salted hashes of
/// each account's collateral, positions and margin figures, summing what the venue owes each
/// account per asset. Nothing here is an engine input: it reads the state.
public struct AccountCommitment: Sendable {
    /// What the venue publishes: the root's hash and per-asset sums, at a sequence and digest.
    public struct Root: Hashable, Sendable, Codable {
        public var sequence: UInt64
        public var stateDigest: String
        public var hash: String
        /// Asset ids in the order of `sums` (the engine's asset order).
        public var assets: [UInt32]
        /// Total liabilities per asset, in atoms of that asset.
        public var sums: [Int64]
        public var leaves: Int
    }

    public let root: Root
    public let tree: MerkleSumTree
    /// Leaf position of each account (by account id).
    public let leafOfAccount: [AccountID: Int]
    let salts: [AccountID: [UInt8]]

    public func salt(of account: AccountID) -> [UInt8]? { salts[account] }
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
            if case .success(let risk) = positionRisk(position, leverage: leverage(of: account, marketIndex: position.marketIndex), override: nil, now: nil) {
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
        switch marginReport(of: account.id) {
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
        var message: [UInt8] = Array("salt".utf8)
        withUnsafeBytes(of: account.rawValue.littleEndian) { message.append(contentsOf: $0) }
        withUnsafeBytes(of: sequence.littleEndian) { message.append(contentsOf: $0) }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
    }

    /// Commits to every account but the venue's book. Leaves are placed in an order only the
    /// secret determines (so a leaf's position says nothing about when the account opened), and
    /// padded with zero-sum leaves to a power of two.
    public func commitment(secret: [UInt8]) throws -> AccountCommitment {
        let sequence = lastSequence
        var keyed: [(key: [UInt8], index: Int)] = []
        keyed.reserveCapacity(accounts.count)
        let key = SymmetricKey(data: secret)
        for index in accounts.indices.dropFirst() {
            var message: [UInt8] = Array("order".utf8)
            withUnsafeBytes(of: accounts[index].id.rawValue.littleEndian) { message.append(contentsOf: $0) }
            withUnsafeBytes(of: sequence.littleEndian) { message.append(contentsOf: $0) }
            keyed.append((Array(HMAC<SHA256>.authenticationCode(for: message, using: key)), index))
        }
        keyed.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var leaves: [MerkleSumTree.Node] = []
        leaves.reserveCapacity(keyed.count)
        var leafOfAccount: [AccountID: Int] = [:]
        var salts: [AccountID: [UInt8]] = [:]
        for (position, entry) in keyed.enumerated() {
            let account = accounts[entry.index]
            let owed = liabilities(of: account)
            let salt = Engine.salt(secret: secret, account: account.id, sequence: sequence)
            leaves.append(MerkleSumTree.Node(hash: MerkleSumTree.leafHash(salt: salt, data: leafData(of: account, liabilities: owed)), sums: owed))
            leafOfAccount[account.id] = position
            salts[account.id] = salt
        }
        var paddingSeed: [UInt8] = Array("padding".utf8)
        withUnsafeBytes(of: sequence.littleEndian) { paddingSeed.append(contentsOf: $0) }
        let tree = try MerkleSumTree(leaves: leaves, width: assets.count,
                                     paddingSeed: Array(HMAC<SHA256>.authenticationCode(for: paddingSeed, using: key)))
        let root = AccountCommitment.Root(sequence: sequence, stateDigest: digestHex(), hash: tree.root.hash.hexString,
                                          assets: assets.map { $0.spec.id.rawValue }, sums: tree.root.sums, leaves: keyed.count)
        return AccountCommitment(root: root, tree: tree, leafOfAccount: leafOfAccount, salts: salts)
    }

    /// An engine holding only what one account's margin depends on — the venue's assets and
    /// markets (parameters, prices, oracle state) and that account — so a verifier recomputes
    /// the margin with the same rules, from nothing of other accounts.
    public static func forVerification(assets: [AssetState], markets: [MarketState], account: Account, now: Timestamp,
                                       sequence: UInt64) -> Engine {
        var engine = Engine()
        engine.assets = assets
        for (index, asset) in assets.enumerated() { engine.assetIndexByID[asset.spec.id] = Int32(index) }
        engine.markets = markets
        for (index, market) in markets.enumerated() { engine.marketIndexByID[market.spec.id] = Int32(index) }
        var copy = account
        for index in copy.positions.indices { copy.positions[index].scanRow = -1 }
        engine.accounts.append(copy)
        engine.accountIndexByID[account.id] = 1
        engine.now = now
        engine.lastSequence = sequence
        return engine
    }
}

extension Array where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public init?(hexString text: String) {
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        for character in text.utf8 {
            let value: UInt8
            switch character {
            case 48...57: value = character - 48
            case 97...102: value = character - 87
            case 65...70: value = character - 55
            default: return nil
            }
            if let h = high { bytes.append(h << 4 | value); high = nil } else { high = value }
        }
        if high != nil { return nil }
        self = bytes
    }
}
