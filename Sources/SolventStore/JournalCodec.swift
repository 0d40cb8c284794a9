import Foundation
import SolventCore

/// How commands and engine states are written to the store: JSON through the types' Codable
/// conformances (non-finite doubles of the derived tables as strings). Keys are not sorted:
/// replay decodes, it never compares the text, and sorting costs a collation per key.
public enum JournalCodec {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    public static func encode(_ command: Command) throws -> String {
        String(decoding: try encoder().encode(command), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> Command {
        do { return try decoder().decode(Command.self, from: Data(text.utf8)) } catch {
            throw StoreError.corrupt("a journaled command does not decode: \(error)")
        }
    }

    public static func encodeState(_ engine: Engine) throws -> Data { try encoder().encode(engine) }

    public static func decodeState(_ data: Data) throws -> Engine {
        do { return try decoder().decode(Engine.self, from: data) } catch {
            throw StoreError.corrupt("a snapshot does not decode: \(error)")
        }
    }
}
