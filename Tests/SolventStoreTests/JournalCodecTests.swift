import Foundation
import SolventCore
import SolventRandom
import SolventSimulation
import Testing

@testable import SolventStore

/// The journal's one codec round-trips the commands a service receives most (fills, deposits,
/// marks) across the whole 64-bit range of their fields (seeded random values).
struct JournalCodecTests {
    @Test func commandsRoundTripThroughTheJournalText() throws {
        var seeded = SplitMix64(seed: 41)
        for _ in 0..<2_000 {
            let commands: [Command] = [
                .applyFill(
                    Fill(
                        market: MarketID(UInt32.random(in: 0...UInt32.max, using: &seeded)),
                        buyer: AccountID(UInt64.random(in: 0...UInt64.max, using: &seeded)),
                        seller: AccountID(UInt64.random(in: 0...UInt64.max, using: &seeded)),
                        quantity: Quantity(atoms: Int64.random(in: Int64.min...Int64.max, using: &seeded)),
                        price: Price(atoms: Int64.random(in: Int64.min...Int64.max, using: &seeded)),
                        taker: Bool.random(using: &seeded) ? .buyer : .seller)),
                .deposit(
                    account: AccountID(UInt64.random(in: 0...UInt64.max, using: &seeded)),
                    asset: AssetID(UInt32.random(in: 0...UInt32.max, using: &seeded)),
                    amount: Amount(atoms: Int64.random(in: Int64.min...Int64.max, using: &seeded))),
                .setMarkPrice(
                    market: MarketID(UInt32.random(in: 0...UInt32.max, using: &seeded)),
                    mark: Price(atoms: Int64.random(in: Int64.min...Int64.max, using: &seeded)),
                    index: Bool.random(using: &seeded)
                        ? nil : Price(atoms: Int64.random(in: 1...Int64.max, using: &seeded))),
            ]
            for command in commands {
                let text = try JournalCodec.encode(command)
                #expect(try JournalCodec.decode(text) == command, "\(text)")
            }
        }
    }
}
