import Foundation
import SolventCore

/// How commands and engine states are written to the store: JSON through the types' Codable
/// conformances (non-finite doubles of the derived tables as strings). Keys are not sorted:
/// replay decodes, it never compares the text, and sorting costs a collation per key.
public enum JournalCodec {
    /// The encoder for snapshots and proof files (`pretty` for files people read).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// A command's journal text: its Codable form, the same JSON `encoder()` writes up to key
    /// order, which decoding does not depend on (`JournalCodecTests` decodes both to the same
    /// command). The three commands a service receives most are written directly; the others by
    /// `CompactJSON`, about half `JSONEncoder`'s cost.
    public static func encode(_ command: Command) throws -> String {
        if let text = encodeDirect(command) { return text }
        return String(decoding: try CompactJSON.encode(command, nonFinite: nonFiniteNames), as: UTF8.self)
    }

    /// A message in the journal's JSON form (the shard protocol's, the gateway's replies) written
    /// by `CompactJSON`: what `encoder()` writes up to key order, at about half its cost.
    public static func compact<T: Encodable>(_ value: T) throws -> Data {
        Data(try CompactJSON.encode(value, nonFinite: nonFiniteNames))
    }

    /// How the journal writes a non-finite double.
    static let nonFiniteNames: CompactJSON.NonFiniteNames = ("+inf", "-inf", "nan")

    /// The journal text of fills, deposits and marks, written directly: about 1 µs a fill where
    /// `CompactJSON` takes 7–12 µs and `JSONEncoder` 13–18 µs (release builds, types of the same
    /// shape); with `CompactJSON` writing fills the load test carried 7–9 % fewer a second.
    static func encodeDirect(_ command: Command) -> String? {
        switch command {
        case .applyFill(let fill):
            return
                "{\"applyFill\":{\"_0\":{\"market\":{\"rawValue\":\(fill.market.rawValue)},\"buyer\":{\"rawValue\":\(fill.buyer.rawValue)},"
                + "\"seller\":{\"rawValue\":\(fill.seller.rawValue)},\"quantity\":{\"atoms\":\(fill.quantity.atoms)},"
                + "\"price\":{\"atoms\":\(fill.price.atoms)},\"taker\":\"\(fill.taker.rawValue)\"}}}"
        case .deposit(let account, let asset, let amount):
            return
                "{\"deposit\":{\"account\":{\"rawValue\":\(account.rawValue)},\"asset\":{\"rawValue\":\(asset.rawValue)},\"amount\":{\"atoms\":\(amount.atoms)}}}"
        case .setMarkPrice(let market, let mark, nil):
            return
                "{\"setMarkPrice\":{\"market\":{\"rawValue\":\(market.rawValue)},\"mark\":{\"atoms\":\(mark.atoms)}}}"
        default:
            return nil
        }
    }

    public static func decode(_ text: String) throws -> Command {
        do { return try decoder().decode(Command.self, from: Data(text.utf8)) } catch {
            throw StoreError.corrupt("a journaled command does not decode: \(error)")
        }
    }

    /// A snapshot document of the current format version (`SnapshotFormat`).
    public static func encodeState(_ engine: Engine) throws -> Data { try SnapshotFormat.encode(engine) }

    /// An engine from a snapshot document of any version this build reads (`SnapshotFormat`).
    public static func decodeState(_ data: Data) throws -> Engine { try SnapshotFormat.decode(data) }
}

extension JournalEntry {
    /// The engine input this entry records, for an engine whose clock is at `now` (a journaled
    /// time never runs the clock backwards).
    public func input(now: Timestamp) throws -> SequencedInput {
        SequencedInput(
            sequence: sequence, timestamp: Timestamp(nanoseconds: max(time, now.nanoseconds)),
            commandID: commandID == 0 ? nil : CommandID(commandID), command: try JournalCodec.decode(command))
    }
}
