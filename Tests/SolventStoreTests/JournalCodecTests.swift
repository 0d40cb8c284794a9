import Foundation
import SolventCore
import SolventRandom
import SolventSimulation
import Testing

@testable import SolventStore

/// The journal's direct writers for fills, deposits and marks give text that decodes to the same
/// command as the Codable encoder's (seeded random values across the whole 64-bit range).
struct JournalCodecTests {
    @Test func fastTextDecodesLikeTheCodableText() throws {
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
                    mark: Price(atoms: Int64.random(in: Int64.min...Int64.max, using: &seeded)), index: nil),
            ]
            for command in commands {
                let fast = try #require(JournalCodec.encodeFast(command))
                let codable = String(decoding: try JournalCodec.encoder().encode(command), as: UTF8.self)
                #expect(try JournalCodec.decode(fast) == command, "\(fast)")
                #expect(try JournalCodec.decode(codable) == command)
            }
        }
        // A mark with an index takes the Codable path.
        #expect(
            JournalCodec.encodeFast(.setMarkPrice(market: MarketID(1), mark: Price("1")!, index: Price("1")!)) == nil)
    }
}
