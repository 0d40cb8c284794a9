import SolventCore
import SolventProofs
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: a sharded venue publishes one root over its shards' roots; every account's proof
/// verifies against its shard's root and that root against the venue's, the venue's sums are
/// the shards' sums, and a changed sum or a root moved to another shard's place fails.
struct VenueCommitmentTests {
    static let secret = Array("a venue's commitment secret, 32b".utf8)

    static func venue() throws -> ShardedVenue {
        var venue = ShardedVenue(shards: 3, recording: false)
        var time = Timestamp(seconds: 1_700_000_000)
        func run(_ command: Command) throws {
            time = Timestamp(nanoseconds: time.nanoseconds + 1_000_000)
            let outcomes = try venue.execute(command, at: time)
            #expect(outcomes.rejection == nil, "\(command): \(String(describing: outcomes.rejection))")
        }
        try run(.createAsset(AssetSpec(id: Harness.usdt, symbol: "USDT", scale: 6)))
        try run(.setIndexPrice(asset: Harness.usdt, price: Price("1")!))
        try run(.createMarket(linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()))))
        try run(.setMarkPrice(market: MarketID(1), mark: Price("50000")!, index: nil))
        var random = SplitMix64(seed: 5)
        for id in 1...60 {
            let account = AccountID(UInt64(id))
            try run(.openAccount(account))
            try run(
                .deposit(
                    account: account, asset: Harness.usdt,
                    amount: Amount(atoms: Int64(random.uniform(500, 5_000)) * 1_000_000)))
            try run(
                .importPosition(
                    account: account, market: MarketID(1),
                    size: Quantity(atoms: (random.next() % 2 == 0 ? 1 : -1) * 1_000_000),
                    entryPrice: Price("50000")!, isolatedMargin: nil))
        }
        try run(.setMarkPrice(market: MarketID(1), mark: Price("47000")!, index: nil))
        return venue
    }

    @Test func everyAccountVerifiesThroughItsShardToTheVenueRoot() throws {
        let venue = try Self.venue()
        let (commitments, combined) = try venue.commitment(secret: Self.secret)
        #expect(combined.root.sums == [commitments.reduce(Int64(0)) { $0 + $1.root.sums[0] }])
        #expect(commitments.allSatisfy { $0.root.leaves > 0 })
        for (shard, engine) in venue.shards.enumerated() {
            let path = combined.path(ofShard: shard)
            #expect(
                (try? VenueCommitment.verify(
                    shard: shard, of: 3, root: commitments[shard].root, path: path, venueRoot: combined.root
                ).get()) != nil)
            // Another shard's place, or a changed sum, does not verify.
            #expect(
                (try? VenueCommitment.verify(
                    shard: (shard + 1) % 3, of: 3, root: commitments[shard].root, path: path,
                    venueRoot: combined.root
                ).get())
                    == nil)
            // The same shard at another moment, or in a venue of another size, does not either.
            var earlier = commitments[shard].root
            earlier.sequence -= 1
            #expect(
                (try? VenueCommitment.verify(shard: shard, of: 3, root: earlier, path: path, venueRoot: combined.root)
                    .get()) == nil)
            #expect(
                (try? VenueCommitment.verify(
                    shard: shard, of: 4, root: commitments[shard].root, path: path, venueRoot: combined.root
                ).get())
                    == nil)
            var inflated = commitments[shard].root
            inflated.sums[0] += 1
            #expect(
                (try? VenueCommitment.verify(shard: shard, of: 3, root: inflated, path: path, venueRoot: combined.root)
                    .get())
                    == nil)
            for account in engine.accounts.dropFirst() {
                let proof = try #require(engine.proof(of: account.id, commitment: commitments[shard]))
                #expect(proof.verify(rootHash: commitments[shard].root.hash).holds)
            }
        }
        #expect(venue.shards.map { $0.accounts.count - 1 }.reduce(0, +) == 60)
    }

    @Test func rootsOverDifferentAssetsAreRefused() throws {
        let venue = try Self.venue()
        var roots = try venue.shards.map { try $0.commitment(secret: Self.secret).root }
        roots[2].assets = [9]
        #expect(throws: VenueCommitment.Failure.assetsDiffer(shard: 2)) { try VenueCommitment(shardRoots: roots) }
        #expect(throws: VenueCommitment.Failure.noShards) { try VenueCommitment(shardRoots: []) }
    }
}
