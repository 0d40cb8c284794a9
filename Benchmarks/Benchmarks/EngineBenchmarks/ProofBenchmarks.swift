import Benchmark
import SolventCore
import SolventProofs
import SolventRandom
import SolventStore  // the commitment on every core
import SolventTestSupport

/// Verifiable margin over the liquidation benchmark's million accounts: the Merkle-sum
/// commitment (on every core), and a thousand margin proofs generated, then verified (the
/// verifier recomputes the margin from the proof).
func commitments() {
    Benchmark("commitment-tree-1000000-accounts", configuration: populationSamples()) { benchmark in
        let engine = marked(WorkloadEngine.riskVenue(accounts: 1_000_000))
        let digest = engine.digestHex()
        benchmark.startMeasurement()
        let commitment = try? engine.commitment(secret: secret, stateDigest: digest, parallel: .cores)
        benchmark.stopMeasurement()
        precondition(commitment != nil, "the commitment failed")
    }
    Benchmark(
        "margin-proof-generate-1000000-accounts",
        configuration: .init(warmupIterations: 0, scalingFactor: .kilo, maxDuration: .seconds(90), maxIterations: 2)
    ) { benchmark in
        let (engine, commitment, sample) = proofSetting(count: benchmark.scaledIterations.count)
        benchmark.startMeasurement()
        for id in sample { blackHole(engine.proof(of: id, commitment: commitment)) }
        benchmark.stopMeasurement()
    }
    Benchmark(
        "margin-proof-verify-1000000-accounts",
        configuration: .init(warmupIterations: 0, scalingFactor: .kilo, maxDuration: .seconds(90), maxIterations: 2)
    ) { benchmark in
        let (engine, commitment, sample) = proofSetting(count: benchmark.scaledIterations.count)
        let proofs = sample.map { engine.proof(of: $0, commitment: commitment)! }
        benchmark.startMeasurement()
        var held = 0
        for proof in proofs where proof.verify(rootHash: commitment.root.hash).holds { held += 1 }
        benchmark.stopMeasurement()
        precondition(held == proofs.count, "every proof verifies")
    }
}

private let secret = [UInt8](repeating: 42, count: 32)

/// The population after a mark move to 59,000 (some accounts in margin call or liquidation).
private func marked(_ workload: WorkloadEngine) -> Engine {
    var venue = workload
    venue.run(.setMarkPrice(market: MarketID(1), mark: Price("59000")!, index: nil))
    return venue.engine
}

/// A committed million-account engine and `count` accounts drawn from it.
private func proofSetting(count: Int) -> (Engine, AccountCommitment, [AccountID]) {
    let engine = marked(WorkloadEngine.riskVenue(accounts: 1_000_000))
    let commitment = try! engine.commitment(secret: secret, stateDigest: engine.digestHex(), parallel: .cores)
    var random = SplitMix64(seed: 5)
    let sample = (0..<count).map { _ in AccountID(1 + random.next() % 1_000_000) }
    return (engine, commitment, sample)
}
