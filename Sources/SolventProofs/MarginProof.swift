import SolventCore

/// What a trader needs to check their own margin: their account as the engine held
/// it, the markets' parameters and prices and the assets' prices in force, the margin the
/// venue reported, the liabilities their leaf adds, and the path to the published root. It
/// holds nothing of other accounts beyond the sibling hashes and sums of the path.
public struct MarginProof: Sendable, Codable {
    public struct Report: Hashable, Sendable, Codable {
        public var equity: Int64
        public var initialMargin: Int64
        public var maintenanceMargin: Int64
        public var status: String
        /// Per position (by market id): liquidation price atoms (0: none).
        public var liquidationPrices: [UInt32: Int64]
    }

    public var format = 1
    public var root: AccountCommitment.Root
    /// The engine's time at the sequence (prices older than their limit are stale then).
    public var time: Int64
    public var account: Account
    public var salt: String
    public var leafIndex: Int
    public var report: Report
    public var liabilities: [Int64]
    public var assets: [AssetState]
    /// Backstop lists are left out (they name other accounts; margin does not depend on them).
    public var markets: [MarketState]
    /// The journal's last price input per market before the sequence (JSON of the command), so
    /// the mark can be traced to its oracle samples.
    public var priceInputs: [String]
    public var path: [MerkleSumTree.Step]

    /// The verdict: what was checked, and what failed (empty when the proof holds).
    public struct Verification: Sendable {
        public var verified: [String]
        public var failures: [String]
        public var holds: Bool { failures.isEmpty }
    }

    /// Recomputes the margin and the liabilities with this binary's rules from the proof's own
    /// data, rebuilds the leaf, folds the path and compares with `rootHash` (the published root).
    public func verify(rootHash: String) -> Verification {
        if let (field, reason) = validationError() {
            return Verification(verified: [], failures: ["\(field): expected \(reason)"])
        }
        var verified: [String] = []
        var failures: [String] = []
        let engine = Engine.forVerification(
            assets: assets, markets: markets, account: account, now: Timestamp(nanoseconds: time),
            sequence: root.sequence)
        switch engine.marginReport(of: account.id) {
        case .success(let computed)?:
            let prices = Dictionary(
                uniqueKeysWithValues: computed.positions.map { ($0.market.rawValue, $0.liquidationPrice?.atoms ?? 0) })
            if computed.equity.atoms == report.equity && computed.initialMargin.atoms == report.initialMargin
                && computed.maintenanceMargin.atoms == report.maintenanceMargin
                && computed.status.rawValue == report.status
                && prices == report.liquidationPrices
            {
                verified.append(
                    "margin recomputed from the account, the markets' rules and the prices at sequence \(root.sequence): equity \(computed.equity), initial \(computed.initialMargin), maintenance \(computed.maintenanceMargin) (USD), status \(computed.status.rawValue), liquidation prices as reported"
                )
            } else {
                failures.append(
                    "the reported margin (equity \(report.equity), initial \(report.initialMargin), maintenance \(report.maintenanceMargin), \(report.status)) differs from the recomputed one (\(computed.equity.atoms), \(computed.initialMargin.atoms), \(computed.maintenanceMargin.atoms), \(computed.status.rawValue))"
                )
            }
        case .failure(let error)?:
            failures.append("the margin cannot be recomputed: \(error)")
        case nil:
            failures.append("the account is missing from the proof")
        }
        let owed = engine.liabilities(of: engine.accounts[1])
        if owed == liabilities {
            verified.append(
                "liabilities recomputed: \(zip(root.assets, owed).map { "asset \($0.0): \($0.1) atoms" }.joined(separator: ", "))"
            )
        } else {
            failures.append("the leaf's liabilities \(liabilities) differ from the recomputed \(owed)")
        }
        guard let saltBytes = [UInt8](hexString: salt), saltBytes.count == 32 else {
            failures.append("the salt is not 32 bytes of hex")
            return Verification(verified: verified, failures: failures)
        }
        let leaf = MerkleSumTree.Node(
            hash: MerkleSumTree.leafHash(
                salt: saltBytes, data: engine.leafData(of: engine.accounts[1], liabilities: liabilities)),
            sums: liabilities)
        guard let rootBytes = [UInt8](hexString: root.hash), root.hash == rootHash.lowercased() else {
            failures.append("the proof's root \(root.hash) is not the published root \(rootHash)")
            return Verification(verified: verified, failures: failures)
        }
        switch MerkleSumTree.verify(leaf: leaf, path: path, root: MerkleSumTree.Node(hash: rootBytes, sums: root.sums))
        {
        case .success:
            verified.append(
                "the account's leaf (index \(leafIndex)) is in the tree whose root is \(rootHash): \(path.count) levels, every sum non-negative, totals \(root.sums)"
            )
        case .failure(let failure):
            failures.append("the Merkle path does not hold: \(failure)")
        }
        if path.count > 0, leafIndex >> path.count != 0 { failures.append("the leaf index is outside the tree") }
        return Verification(verified: verified, failures: failures)
    }
}

extension Engine {
    /// The proof for one account under a commitment built from this state.
    public func proof(of id: AccountID, commitment: AccountCommitment, priceInputs: [String] = []) -> MarginProof? {
        guard let account = account(id), let accountIndex = accountIndex(of: id),
            let index = commitment.leaf(ofAccountIndex: Int(accountIndex)),
            case .success(let report)? = marginReport(of: id)
        else { return nil }
        let salt = commitment.salt(of: id)
        var publicMarkets = markets
        for index in publicMarkets.indices { publicMarkets[index].backstops = [] }
        return MarginProof(
            root: commitment.root, time: now.nanoseconds, account: account, salt: salt.hexString, leafIndex: index,
            report: .init(
                equity: report.equity.atoms, initialMargin: report.initialMargin.atoms,
                maintenanceMargin: report.maintenanceMargin.atoms, status: report.status.rawValue,
                liquidationPrices: Dictionary(
                    uniqueKeysWithValues: report.positions.map { ($0.market.rawValue, $0.liquidationPrice?.atoms ?? 0) }
                )),
            liabilities: liabilities(of: account), assets: assets, markets: publicMarkets, priceInputs: priceInputs,
            path: commitment.tree.path(of: index))
    }
}
