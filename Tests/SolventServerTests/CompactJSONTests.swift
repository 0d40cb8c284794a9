import Foundation
import SolventCore
import SolventStore
import Testing

@testable import SolventServer

/// Goal: the hand-routed replies and the stream, written by `CompactJSON`, say exactly what
/// Foundation's `JSONEncoder` would say of the same values. Method: every event kind the API shows,
/// in a write reply and a batch reply, encoded by both and compared as parsed JSON; what
/// `CompactJSON` does not support fails by name instead of writing something else.
struct CompactJSONTests {
    typealias S = Components.Schemas

    static let events: [S.Event] = [
        .marginStateChanged(
            .init(
                _type: .marginStateChanged, account: APIAccountID(UInt64.max), isolatedMarket: 3, market: APIID32(3),
                mark: "60000.5", from: "normal", to: "marginCall", status: "marginCall")),
        .positionLiquidated(
            .init(
                _type: .positionLiquidated, sequence: 9, account: APIAccountID(7), market: APIID32(1), long: true,
                quantity: "0.5", marketPrice: "59000", accountPrice: "59100", closesPosition: false, penalty: "1.25",
                clearanceFee: "0", fundDraw: "0", uncovered: "-0.5", reallocated: "0",
                deleveraged: [.init(account: APIAccountID(8), realizedPnl: "12.5")], auction: 2)),
        .breakerTripped(
            .init(_type: .breakerTripped, market: APIID32(1), rule: "priceMove", detail: "a \"quoted\"\n\\ é")),
        .auctionReset(
            .init(_type: .auctionReset, auction: 4, account: APIAccountID(7), market: APIID32(1), lot: "1", top: "2")),
        .deficitCovered(.init(_type: .deficitCovered, asset: APIID32(1), amount: "10")),
        .withdrawn(.init(_type: .withdrawn, account: APIAccountID(1), asset: APIID32(2), amount: "0.000001")),
        .commitmentRecorded(
            .init(
                _type: .commitmentRecorded, root: "ab", committedSequence: 0, stateDigest: "cd",
                assets: [APIID32(1), APIID32(2)], sums: [Int(Int64.min), 0], leaves: 0)),
    ]

    static func parsed(_ data: Data) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) as? NSObject)
    }

    @Test func repliesAndEventsReadAsJSONEncodersDo() throws {
        let batch = S.BatchResult(results: [
            .init(sequence: 1, events: Self.events), .init(sequence: 2, error: .rejected, code: "x", message: "no"),
        ])
        #expect(try Self.parsed(JSON.encoded(batch)) == Self.parsed(JSONEncoder().encode(batch)))
        let reply = S.WriteResult(sequence: 5, events: Self.events)
        #expect(try Self.parsed(JSON.encoded(reply)) == Self.parsed(JSONEncoder().encode(reply)))
        for event in Self.events {
            #expect(try Self.parsed(JSON.encoded(event)) == Self.parsed(JSONEncoder().encode(event)))
        }
        #expect(try JSON.encoded(S.WriteResult(sequence: 1, events: [])) == Data(#"{"sequence":1,"events":[]}"#.utf8))
    }

    struct SuperEncoding: Encodable {
        enum Key: CodingKey { case a }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            _ = container.superEncoder()
        }
    }

    struct NotANumber: Encodable {
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(Double.nan)
        }
    }

    /// An enum with associated values (synthesized: a nested keyed container per case), an
    /// optional, nested arrays and a non-finite double: what the journal's commands use.
    enum Shape: Codable, Equatable {
        case empty
        case point(x: Int64, y: Int64?)
        case path([[Shape]], label: String, weight: Double)
    }

    /// Writes into a nested container after its parent has moved on to the next key.
    struct LateWrite: Encodable {
        enum Key: CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            var early = container.nestedUnkeyedContainer(forKey: .a)
            try container.encode(1, forKey: .b)
            try early.encode(2)
        }
    }

    @Test func nestedContainersReadAsJSONEncodersDo() throws {
        let shapes: [Shape] = [
            .empty, .point(x: Int64.min, y: nil), .point(x: 3, y: Int64.max),
            .path(
                [[.point(x: 1, y: 2), .empty], [], [.path([], label: "é\"\n", weight: 0.1)]], label: "",
                weight: -2.5e-300),
            .path([], label: "inf", weight: .infinity),
        ]
        // The journal's strategy for non-finite numbers, on both sides.
        let compact = try CompactJSON.encode(shapes, nonFinite: ("+inf", "-inf", "nan"))
        #expect(try Self.parsed(Data(compact)) == Self.parsed(JournalCodec.encoder().encode(shapes)))
        #expect(try JournalCodec.decoder().decode([Shape].self, from: Data(compact)) == shapes)
    }

    @Test func whatItDoesNotWriteFailsByName() {
        #expect(throws: EncodingError.self) { try CompactJSON.encode(SuperEncoding()) }
        #expect(throws: EncodingError.self) { try CompactJSON.encode([NotANumber()]) }
        #expect(throws: EncodingError.self) { try CompactJSON.encode(LateWrite()) }
    }
}
