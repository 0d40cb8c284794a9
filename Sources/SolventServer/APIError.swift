import Foundation
import Hummingbird
import SolventStore

/// Every failure the API reports: a 4xx (or 503) JSON body naming what is wrong,
/// `{"error": "...", "field": "...", "message": "..."}`. Never a 5xx for bad input.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var field: String?
    public var message: String
    /// More fields of the body, each encoded by its type: a sequence is an integer, as in a
    /// success reply (decimals are strings elsewhere: put them in as `String`).
    public var extra: [String: any Sendable] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, field: String? = nil, _ message: String) {
        self.status = status
        self.code = code
        self.field = field
        self.message = message
    }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, "invalidField", field: field, message)
    }
    public static let unauthorized = APIError(
        .unauthorized, "unauthorized", "send an API key: Authorization: Bearer <key>")
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "notFound", what) }

    public var headers: HTTPFields { [.contentType: "application/json"] }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: Any] = ["error": code, "message": message]
        if let field { body["field"] = field }
        for (key, value) in extra { body[key] = value }
        return JSON.response(body, status: status)
    }
}

enum JSON {
    /// JSON text of dictionaries, arrays, strings, integers, booleans, doubles and NSNull, written
    /// directly: JSONSerialization bridges every dictionary to NSDictionary and sorts through ICU,
    /// which was most of a request's cost. Keys in sorted order (deterministic).
    static func data(_ object: Any) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(object, into: &out)
        return Data(out)
    }

    static func write(_ value: Any, into out: inout [UInt8]) {
        switch value {
        case let string as String: writeString(string, into: &out)
        case let bool as Bool: out.append(contentsOf: bool ? Array("true".utf8) : Array("false".utf8))
        case let int as Int: out.append(contentsOf: String(int).utf8)
        case let int as Int64: out.append(contentsOf: String(int).utf8)
        case let int as UInt64: out.append(contentsOf: String(int).utf8)
        case let int as Int32: out.append(contentsOf: String(int).utf8)
        case let int as UInt32: out.append(contentsOf: String(int).utf8)
        case let double as Double: out.append(contentsOf: (double.isFinite ? "\(double)" : "null").utf8)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(object[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case Optional<Any>.none: out.append(contentsOf: "null".utf8)
        default:
            if value is NSNull { out.append(contentsOf: "null".utf8) } else { writeString("\(value)", into: &out) }
        }
    }

    static func writeString(_ string: String, into out: inout [UInt8]) { CompactJSON.writeString(string, into: &out) }

    /// A value of the document's types (generated from openapi/openapi.json) as compact JSON,
    /// its keys in the schema's order (`CompactJSON`).
    static func encoded<T: Encodable>(_ value: T) throws -> Data { Data(try CompactJSON.encode(value)) }

    static func response(data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data(object))))
    }
}
