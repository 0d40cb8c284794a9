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

    /// A command's journal text: its Codable form, written by `CompactJSON` (the same JSON
    /// `encoder()` writes, up to key order, which decoding does not depend on: `JournalCodecTests`
    /// decodes both to the same command). `JSONEncoder` costs several microseconds a command,
    /// enough to take 12–18 % of the service's durable fills per second in the load test.
    public static func encode(_ command: Command) throws -> String {
        String(decoding: try CompactJSON.encode(command, nonFinite: nonFiniteNames), as: UTF8.self)
    }

    /// How the journal writes a non-finite double (the derived tables' infinities).
    static let nonFiniteNames: CompactJSON.NonFiniteNames = ("+inf", "-inf", "nan")

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
