import SolventCore
import SolventRandom
import SolventTestSupport
import Testing

/// Goal: no input, however extreme, crashes the engine or breaks an invariant: overflow is a
/// rejection, never a trap. Method: seeded random commands whose numbers are drawn from the
/// edges (0, ±1, Int64.min, Int64.max, powers of ten, random 64-bit values), against a venue with
/// open positions, with the auditor after every event and every rejection checked to change nothing.
struct ExtremeInputTests {
    static func edge(_ random: inout SplitMix64) -> Int64 {
        switch random.next() % 8 {
        case 0: return 0
        case 1: return [1, -1][Int(random.next() % 2)]
        case 2: return Int64.max
        case 3: return Int64.min
        case 4: return FixedPoint.powersOfTen[Int(random.next() % 19)] * (random.next() & 1 == 0 ? 1 : -1)
        case 5: return Int64(bitPattern: random.next())
        case 6: return Int64(random.next() % 1_000_000) * 100_000_000
        default: return Int64(random.next() % 1_000) * 100_000
        }
    }

    @Test(arguments: testSeeds([101, 102, 103]))
    func extremeNumbersAreRejectedNotTrapped(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var harness = EngineTests.venue()
        harness.ok(EngineTests.fill(1, 2, "0.5", "50000"))
        var applied = 0
        for _ in 0..<2_000 {
            let account = AccountID(random.next() % 4)
            let command: Command
            switch random.next() % 8 {
            case 0: command = .deposit(account: account, asset: Harness.usdt, amount: Amount(atoms: Self.edge(&random)))
            case 1:
                command = .withdraw(account: account, asset: Harness.usdt, amount: Amount(atoms: Self.edge(&random)))
            case 2:
                command = .applyFill(
                    Fill(
                        market: EngineTests.market, buyer: account, seller: AccountID(random.next() % 4),
                        quantity: Quantity(atoms: Self.edge(&random)), price: Price(atoms: Self.edge(&random)),
                        taker: .buyer))
            case 3:
                command = .setMarkPrice(market: EngineTests.market, mark: Price(atoms: Self.edge(&random)), index: nil)
            case 4: command = .settleFunding(market: EngineTests.market, rate: Rate(atoms: Self.edge(&random)))
            case 5:
                command = .adjustIsolatedMargin(
                    account: account, market: EngineTests.market, amount: Amount(atoms: Self.edge(&random)))
            case 6:
                command = .importPosition(
                    account: AccountID(100 + random.next() % 1_000), market: EngineTests.market,
                    size: Quantity(atoms: Self.edge(&random)), entryPrice: Price(atoms: Self.edge(&random)),
                    isolatedMargin: nil)
            default: command = .setIndexPrice(asset: Harness.btc, price: Price(atoms: Self.edge(&random)))
            }
            let before = harness.engine.digest(includingClock: false)
            let outcome = harness.run(command)
            if outcome.rejection == nil {
                applied += 1
            } else {
                #expect(
                    harness.engine.digest(includingClock: false) == before,
                    "seed \(seed): rejection changed state: \(command)")
            }
        }
        #expect(applied > 100, "seed \(seed): only \(applied) commands applied")
        // Margin figures stay computable or fail with an error, never a trap.
        for account in harness.engine.accounts {
            _ = harness.engine.marginReport(of: account.id)
        }
    }
}
