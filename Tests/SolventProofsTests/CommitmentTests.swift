import Foundation
import SolventCore
import SolventProofs
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: every account can check its own margin against a published root, a
/// changed number anywhere fails, and a debt cannot be hidden in the sums. Method: a seeded
/// venue of 2,000 accounts (USDT and BTC collateral, two markets, isolated and cross, some
/// bankrupt after a crash), its commitment, every account's proof through JSON and back.
struct CommitmentTests {
    static let secret = Array("a venue's commitment secret, 32b".utf8)

    /// A venue after trading and a 40 % fall (some accounts bankrupt: negative equity).
    static func venue(accounts: Int = 2_000, seed: UInt64 = 17) -> Engine {
        var harness = Harness()
        harness.engine.auditsEveryEvent = false
        harness.auditEachInput = false
        harness.standardAssets(btcPrice: "50000")
        harness.ok(
            .createMarket(
                linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()), priceMaxAgeSeconds: 86_400)))
        harness.ok(
            .createMarket(
                linearMarket(2, symbol: "ETHUSDT"),
                RiskParameters(margin: singleTier(im: "0.05", mm: "0.025"), priceMaxAgeSeconds: 86_400)))
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        harness.ok(.setMarkPrice(market: MarketID(2), mark: Price("3000")!, index: nil))
        var random = SplitMix64(seed: seed)
        for id in 1...accounts {
            let account = AccountID(UInt64(id))
            harness.ok(.openAccount(account))
            harness.ok(
                .deposit(
                    account: account, asset: Harness.usdt,
                    amount: Amount(atoms: Int64(100 + random.next() % 5_000) * 1_000_000)))
            if random.next() % 4 == 0 {
                harness.ok(
                    .deposit(
                        account: account, asset: Harness.btc,
                        amount: Amount(atoms: Int64(1 + random.next() % 10) * 1_000_000)))
            }
            let size = Int64(1 + random.next() % 50) * 1_000_000 * (random.next() % 2 == 0 ? 1 : -1)
            harness.run(
                .importPosition(
                    account: account, market: MarketID(1 + UInt32(random.next() % 2)), size: Quantity(atoms: size),
                    entryPrice: Price(random.next() % 2 == 0 ? "50000" : "3000")!,
                    isolatedMargin: random.next() % 3 == 0 ? Amount(atoms: 50_000_000) : nil))
        }
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("30000")!, index: nil))
        harness.ok(.setIndexPrice(asset: Harness.btc, price: Price("30000")!))
        return harness.engine
    }

    @Test func everyAccountsProofVerifiesThroughJSON() throws {
        let engine = Self.venue()
        let commitment = try engine.commitment(secret: Self.secret)
        #expect(commitment.root.leaves == 2_000)
        // Totals: the sum of every account's liabilities (and nothing negative).
        let totals = (1...2_000).reduce([Int64](repeating: 0, count: engine.assets.count)) { sums, id in
            zip(sums, engine.liabilities(of: engine.account(AccountID(UInt64(id)))!)).map { $0 + $1 }
        }
        #expect(commitment.root.sums == totals)
        var bankrupt = 0
        for id in 1...2_000 {
            let proof = try #require(engine.proof(of: AccountID(UInt64(id)), commitment: commitment))
            let decoded = try JSONDecoder().decode(MarginProof.self, from: JSONEncoder().encode(proof))
            let verdict = decoded.verify(rootHash: commitment.root.hash)
            #expect(verdict.holds, "account \(id): \(verdict.failures)")
            if proof.report.equity < 0 { bankrupt += 1 }
        }
        #expect(bankrupt > 10, "the crash left bankrupt accounts (\(bankrupt)), whose debts are not netted")
    }

    /// A venue without assets owes nothing: committing to it is refused by name (it trapped).
    @Test func aVenueWithoutAssetsHasNothingToCommit() throws {
        #expect(throws: MerkleSumTree.Failure.noAssets) { try Engine().commitment(secret: Self.secret) }
    }

    @Test func theSameStateGivesTheSameRoot() throws {
        let a = try Self.venue().commitment(secret: Self.secret).root
        let b = try Self.venue().commitment(secret: Self.secret).root
        #expect(a == b)
        #expect(try Self.venue(seed: 18).commitment(secret: Self.secret).root.hash != a.hash)
        #expect(
            try Self.venue().commitment(secret: Array(repeating: 7, count: 32)).root.hash != a.hash,
            "salts depend on the secret")
    }

    /// A root is recorded in the journal only beside the state it commits to: the engine refuses
    /// one for another sequence, another digest, or sums shaped unlike its assets; an accepted
    /// one becomes part of the state (and of its digest).
    @Test func rootsAreRecordedOnlyBesideTheirState() throws {
        var harness = Harness()
        harness.auditEachInput = false
        harness.standardAssets(btcPrice: "50000")
        for id in 1...5 { harness.ok(.openAccount(AccountID(UInt64(id)))) }
        let root = try harness.engine.commitment(secret: Self.secret).root
        var wrongSequence = root
        wrongSequence.sequence -= 1
        harness.rejects(.recordCommitment(wrongSequence), .commitmentMismatch)
        // The rejection consumed a sequence number: the root now names a stale state.
        harness.rejects(.recordCommitment(root), .commitmentMismatch)
        let fresh = try harness.engine.commitment(secret: Self.secret).root
        var wrongDigest = fresh
        wrongDigest.stateDigest = String(repeating: "0", count: 64)
        harness.rejects(.recordCommitment(wrongDigest), .commitmentMismatch)
        let current = try harness.engine.commitment(secret: Self.secret).root
        var negative = current
        negative.sums[0] = -1
        harness.rejects(.recordCommitment(negative), .commitmentMismatch)
        let accepted = try harness.engine.commitment(secret: Self.secret).root
        let digestBefore = harness.engine.digest(includingClock: false)
        let events = harness.ok(.recordCommitment(accepted))
        #expect(events == [.commitmentRecorded(accepted)])
        #expect(harness.engine.latestCommitment == accepted)
        #expect(harness.engine.digest(includingClock: false) != digestBefore, "the latest root is part of the digest")
    }

    /// Every field of a proof, a sibling's hash or sum, and the root: changed, it fails.
    @Test func tamperedProofsFail() throws {
        let engine = Self.venue(accounts: 300)
        let commitment = try engine.commitment(secret: Self.secret)
        let original = try #require(engine.proof(of: AccountID(7), commitment: commitment))
        #expect(original.verify(rootHash: commitment.root.hash).holds)
        var cases: [(String, (inout MarginProof) -> Void)] = [
            ("balance", { $0.account.balances[0].atoms += 1 }),
            ("position size", { $0.account.positions[0].size += 100_000 }),
            ("position cost", { $0.account.positions[0].cost -= 1 }),
            ("isolated margin", { $0.account.positions[0].isolatedMargin += 1 }),
            ("reported equity", { $0.report.equity += 1 }),
            ("reported maintenance", { $0.report.maintenanceMargin -= 1 }),
            ("reported status", { $0.report.status = "healthy" == $0.report.status ? "marginCall" : "healthy" }),
            ("liabilities", { $0.liabilities[0] += 1 }),
            ("salt", { $0.salt = String($0.salt.reversed()) }),
            // The market the account holds (a market it does not hold changes nothing it proves).
            ("mark price", { $0.markets[Int($0.account.positions[0].marketIndex)].mark += 10_000_000 }),
            (
                "tier rate",
                { proof in
                    let held = Int(proof.account.positions[0].marketIndex)
                    if case .tiered(let table) = proof.markets[held].parameters.margin {
                        var tiers = table.tiers
                        tiers[0].maintenanceRate = Rate(atoms: tiers[0].maintenanceRate.atoms + 1_000_000)
                        proof.markets[held].parameters.margin = .tiered(try! RiskTierTable.make(tiers: tiers).get())
                    }
                }
            ),
            ("index price", { $0.assets[1].price += 100_000_000 }),
            ("sibling hash", { $0.path[3].sibling.hash[0] ^= 1 }),
            ("sibling sum", { $0.path[2].sibling.sums[0] += 1 }),
            ("sibling side", { $0.path[0].siblingOnLeft.toggle() }),
            ("root sums", { $0.root.sums[0] -= 1 }),
            ("root hash", { $0.root.hash = String(repeating: "0", count: 64) }),
            ("account id", { $0.account.id = AccountID(8) }),
        ]
        if original.account.positions[0].isolated == false { cases.removeAll { $0.0 == "isolated margin" } }
        for (name, tamper) in cases {
            var proof = original
            tamper(&proof)
            #expect(!proof.verify(rootHash: commitment.root.hash).holds, "tampered \(name) still verifies")
        }
        // And the published root itself: a proof against another root fails.
        #expect(!original.verify(rootHash: String(repeating: "a", count: 64)).holds)
    }

    /// A debt cannot offset a claim: a leaf or subtree with a negative sum is refused when the
    /// tree is built and when a path is verified, so an account with negative equity counts 0
    /// (its debt stays with the venue: deficit or insurance fund), never less.
    @Test func negativeEquityCannotBeHidden() throws {
        let engine = Self.venue(accounts: 500)
        let bankrupt = try #require(
            (1...500).map { AccountID(UInt64($0)) }.first { id in
                (try? engine.marginReport(of: id)?.get().equity.atoms).map { $0 < 0 } == true
            })
        #expect(
            engine.liabilities(of: engine.account(bankrupt)!).allSatisfy { $0 == 0 },
            "a bankrupt account owes; it is owed nothing")
        // A venue trying to net that debt against others: a negative leaf is refused.
        let leaf = MerkleSumTree.Node(hash: [UInt8](repeating: 1, count: 32), sums: [-5_000_000, 0])
        let fine = MerkleSumTree.Node(hash: [UInt8](repeating: 2, count: 32), sums: [9_000_000, 0])
        #expect(throws: MerkleSumTree.Failure.negativeSum(level: 0)) {
            try MerkleSumTree(leaves: [fine, leaf], width: 2, paddingSeed: [])
        }
        // Hidden one level up (a forged subtree sum of 4,000,000 = 9,000,000 − 5,000,000): the
        // honest account's path shows the negative sibling and fails.
        let forgedRoot = try MerkleSumTree.parent(fine, MerkleSumTree.Node(hash: leaf.hash, sums: [0, 0]), level: 1)
        let path = [MerkleSumTree.Step(sibling: leaf, siblingOnLeft: false)]
        if case .success = MerkleSumTree.verify(leaf: fine, path: path, root: forgedRoot) {
            Issue.record("a negative sibling verified")
        }
    }
}
