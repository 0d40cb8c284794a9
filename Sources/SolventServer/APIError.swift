import Foundation
import Hummingbird

/// Every failure the API reports: a 4xx (or 503) JSON body naming what is wrong,
/// `{"error": "...", "field": "...", "message": "..."}`. Never a 5xx for bad input.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var field: String?
    public var message: String
    public var extra: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, field: String? = nil, _ message: String) {
        self.status = status
        self.code = code
        self.field = field
        self.message = message
    }

    public static func invalid(_ field: String, _ message: String) -> APIError { APIError(.badRequest, "invalidField", field: field, message) }
    public static let unauthorized = APIError(.unauthorized, "unauthorized", "send an API key: Authorization: Bearer <key>")
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
    static func data(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func response(data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data(object))))
    }
}
