import Foundation
import SolventCore
import SolventRandom
import SolventSimulation
import Testing

@testable import SolventStore

/// The journal's text of a command (written directly for fills, deposits and marks, by
/// `CompactJSON` for the rest) decodes to the same command and says what the Codable encoder
/// says, up to key order: fills, deposits and marks with seeded random values across the whole
/// 64-bit range, and a venue's whole life of commands.
struct JournalCodecTests {
    @Test func journalTextReadsAsTheCodableText() throws {
        var seeded = SplitMix64(seed: 41)
        var commands = venueCommands(seed: 7)
        for _ in 0..<500 {
            commands += [
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
        }
        for command in commands {
            let text = try JournalCodec.encode(command)
            if let direct = JournalCodec.encodeDirect(command) {
                #expect(text == direct)
            } else {
                #expect(text == String(decoding: try CompactJSON.encode(command), as: UTF8.self))
            }
            let codable = try JournalCodec.encoder().encode(command)
            #expect(try JournalCodec.decode(text) == command, "\(text)")
            let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSObject
            #expect(parsed == (try JSONSerialization.jsonObject(with: codable) as? NSObject), "\(text)")
        }
    }
}
