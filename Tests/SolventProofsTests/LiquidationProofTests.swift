import Foundation
import SolventCore
import SolventProofs
import SolventTestSupport
import Testing

/// Goal: a liquidation step comes with evidence anyone can re-derive — the
/// mark from the recorded price input (a direct mark, or oracle samples through the aggregation
/// and mark rules), the account in liquidation at that mark, the step's size, bankruptcy price
/// and execution — and any changed number fails. Method: the BN-D1 isolated long (1 BTC at
/// 50,000, 2,500 of margin) marked down to 47,690 directly and through two oracle sources.
struct LiquidationProofTests {
    static func proof(oracle: Bool) throws -> LiquidationProof {
        var harness = Harness.liquidationStepVenue(
            depth: .squareRoot(depth: 2_000_000_000_000, coefficient: rate("0.02")), penalty: "0.005", fund: "1000",
            oracle: oracle
                ? OracleConfig(
                    sources: [.init(id: SourceID(1), weight: 1), .init(id: SourceID(2), weight: 1)],
                    minimumSources: 2, priceMoveThreshold: .zero) : nil)
        let price: Command
        if oracle {
            let time = Timestamp(nanoseconds: harness.time + 1_000_000)
            price = .updateOracle(
                market: MarketID(1),
                samples: [
                    OracleSample(source: SourceID(1), price: Price("47690")!, time: time),
                    OracleSample(source: SourceID(2), price: Price("47710")!, time: time),
                ],
                last: nil, mid: nil)
        } else {
            price = .setMarkPrice(market: MarketID(1), mark: Price("47690")!, index: nil)
        }
        harness.ok(price)
        let input = SequencedInput(
            sequence: harness.sequence + 1, timestamp: Timestamp(nanoseconds: harness.time + 1_000_000), commandID: nil,
            command: .liquidate(account: AccountID(10), market: MarketID(1)))
        let proof = try #require(harness.engine.liquidationProof(for: input, priceInput: price))
        return try throughJSON(proof)
    }

    /// A proof through JSON, as a file carries it.
    static func throughJSON(_ proof: LiquidationProof) throws -> LiquidationProof {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(LiquidationProof.self, from: encoder.encode(proof))
    }

    @Test(arguments: [false, true])
    func aStepIsJustifiedAndTamperingFails(oracle: Bool) throws {
        let proof = try Self.proof(oracle: oracle)
        let verdict = proof.verify()
        #expect(verdict.holds, "\(verdict.failures)")
        #expect(verdict.verified.count >= 4, "\(verdict.verified)")
        var cases: [(String, (inout LiquidationProof) -> Void)] = [
            ("market price", { $0.step.marketPrice = Price(atoms: $0.step.marketPrice.atoms - 10_000_000) }),
            ("account price", { $0.step.accountPrice = Price(atoms: $0.step.accountPrice.atoms + 10_000_000) }),
            ("quantity", { $0.step.quantity += 100_000 }),
            (
                "bankruptcy price",
                { $0.step.bankruptcyPrice = $0.step.bankruptcyPrice.map { Price(atoms: $0.atoms + 1) } }
            ),
            ("isolated margin (not liquidatable)", { $0.account.positions[0].isolatedMargin += 5_000_000_000 }),
            ("mark in force", { $0.markets[0].mark -= 10_000_000_000 }),
            ("fund draw", { $0.step.fundDraw += 1 }),
            ("penalty", { $0.step.penalty += 1 }),
            ("clearance fee", { $0.step.clearanceFee -= 1 }),
        ]
        if oracle {
            cases.append(
                (
                    "a sample",
                    { proof in
                        if case .updateOracle(let market, var samples, let last, let mid)? = proof.priceInput {
                            samples[0].price = Price(atoms: samples[0].price.atoms + 100_000_000_000)
                            samples[1].price = Price(atoms: samples[1].price.atoms + 100_000_000_000)
                            proof.priceInput = .updateOracle(market: market, samples: samples, last: last, mid: mid)
                        }
                    }
                ))
        } else {
            cases.append(
                (
                    "the recorded mark",
                    { $0.priceInput = .setMarkPrice(market: MarketID(1), mark: Price("47000")!, index: nil) }
                ))
        }
        for (name, tamper) in cases {
            var tampered = proof
            tamper(&tampered)
            #expect(!tampered.verify().holds, "tampered \(name) still verifies")
        }
    }

    /// The loss beyond the fund placed on other accounts: the proof carries the counterparties'
    /// accounts and the verifier re-runs the allocation among them (LossAllocationTests' venue:
    /// the 47,000 gap, B then A deleveraged at 47,500, C untouched; or the shares socialized).
    static func allocationProof(_ allocation: LiquidationParameters.LossAllocation) throws -> LiquidationProof {
        var harness = Harness.lossAllocationVenue(allocation)
        let input = SequencedInput(
            sequence: harness.sequence + 1, timestamp: Timestamp(nanoseconds: harness.time + 1_000_000), commandID: nil,
            command: .liquidate(account: AccountID(10), market: MarketID(1)))
        let proof = try #require(
            harness.engine.liquidationProof(
                for: input,
                priceInput: .setMarkPrice(market: MarketID(1), mark: Price("47000")!, index: nil)))
        _ = harness.ok(.liquidate(account: AccountID(10), market: MarketID(1)))
        return try throughJSON(proof)
    }

    @Test func deleveragingIsReRunAmongTheCounterparties() throws {
        let proof = try Self.allocationProof(
            .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10))
        #expect(proof.step.counterparties.map(\.account) == [AccountID(22), AccountID(21)])
        #expect(proof.counterparties?.map(\.id) == [AccountID(22), AccountID(21)])
        let verdict = proof.verify()
        #expect(verdict.holds, "\(verdict.failures)")
        #expect(
            verdict.verified.contains { $0.contains("auto-deleveraged by profitTimesLeverage") && $0.contains("22: ") },
            "\(verdict.verified)")
        for line in verdict.verified { print("ADL proof: ✔ \(line)") }
        let cases: [(String, (inout LiquidationProof) -> Void)] = [
            ("a counterparty's realized PnL", { $0.step.counterparties[0].realizedPnl += 1 }),
            ("a counterparty's position after", { $0.step.counterparties[1].positionAfter?.size -= 1_000_000 }),
            (
                "the order of the counterparties",
                {
                    $0.step.counterparties.reverse(); $0.counterparties?.reverse()
                }
            ),
            (
                "a counterparty left out",
                {
                    $0.step.counterparties.removeLast(); $0.counterparties?.removeLast()
                }
            ),
            ("a counterparty's account missing", { $0.counterparties = nil }),
            ("B's collateral (it would rank below A)", { $0.counterparties![0].balances[0].atoms += 20_000_000_000 }),
            ("the amount placed", { $0.step.reallocated += 1 }),
            ("the fund draw", { $0.step.fundDraw -= 1 }),
            ("the fund's balance", { $0.assets[0].insuranceFund += 50_000_000 }),
        ]
        for (name, tamper) in cases {
            var tampered = proof
            tamper(&tampered)
            #expect(!tampered.verify().holds, "tampered \(name) still verifies")
        }
    }

    @Test func socializedSharesAreReRunAmongTheCounterparties() throws {
        let proof = try Self.allocationProof(.socialized)
        #expect(proof.counterparties?.count == 3)
        let verdict = proof.verify()
        #expect(verdict.holds, "\(verdict.failures)")
        var tampered = proof
        tampered.step.counterparties[2].realizedPnl -= 1
        tampered.step.counterparties[0].realizedPnl += 1
        #expect(!tampered.verify().holds, "moving one atom between two shares still verifies")
    }

    /// The liquidation proof of the step verifies; the same proof with the old outcome (no
    /// bankruptcy price, closed at the fill, the account left owing) fails, and so does the
    /// solvency check of a state holding that debt
    /// (`InverseShortTests`).
    @Test func proofRefusesAnUnbookedDebtOnAnInverseShort() {
        var harness = Harness.inverseShortVenue(isolated: false, fund: "10")
        let mark = Command.setMarkPrice(market: MarketID(3), mark: Price("70000")!, index: nil)
        harness.ok(mark)
        let input = SequencedInput(
            sequence: harness.sequence + 1, timestamp: Timestamp(nanoseconds: harness.time + 1_000_000),
            commandID: nil, command: .liquidate(account: AccountID(10), market: MarketID(3)))
        guard var proof = harness.engine.liquidationProof(for: input, priceInput: mark) else {
            Issue.record("no proof")
            return
        }
        let honest = proof.verify()
        #expect(honest.failures.isEmpty, "\(honest.failures)")
        proof.step.bankruptcyPrice = nil
        proof.step.accountPrice = proof.step.marketPrice
        proof.step.account.walletAfter = -14_287_242
        proof.step.fundDraw = 0
        let tampered = proof.verify()
        #expect(tampered.failures.contains { $0.contains("negative equity") }, "\(tampered.failures)")
    }
}
