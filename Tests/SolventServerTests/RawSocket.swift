import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private func systemClose(_ fd: Int32) { _ = Glibc.close(fd) }
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    Glibc.send(fd, bytes, count, flags)
}
#else
private func systemClose(_ fd: Int32) { _ = Darwin.close(fd) }
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    Darwin.send(fd, bytes, count, flags)
}
private let MSG_NOSIGNAL: Int32 = 0
#endif

/// A TCP client socket on loopback that sends whatever bytes a hostile client would (no HTTP
/// library would send a space in a path), non-blocking with poll so that every wait is bounded.
/// Bound to a chosen loopback source address: the per-address rate limit tells the honest
/// client (127.0.0.1) from the attackers (127.0.0.2 and up; on Linux all of 127/8 is local).
final class RawSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    enum Read { case data([UInt8]), closed, timedOut }

    let fd: Int32
    private var pending: [UInt8] = []
    private var isClosed = false

    init(port: Int, from source: String = "127.0.0.1", timeout: Double = 3) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var local = Self.address(source, port: 0)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno; systemClose(fd); throw Failure(description: "bind \(source): errno \(code)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var remote = Self.address("127.0.0.1", port: port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected != 0 && errno != EINPROGRESS {
            let code = errno; systemClose(fd); throw Failure(description: "connect: errno \(code)")
        }
        guard wait(Int16(POLLOUT), timeout: timeout) else {
            systemClose(fd); throw Failure(description: "connect: timed out")
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { systemClose(fd); throw Failure(description: "connect: errno \(error)") }
    }

    deinit { close() }

    static func address(_ ip: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = inet_pton(AF_INET, ip, &address.sin_addr)
        return address
    }

    /// Whether `source` can be bound (127.0.0.2 and up exist on Linux, not by default on macOS).
    static func canBind(_ source: String) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        defer { systemClose(fd) }
        var local = address(source, port: 0)
        return withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        systemClose(fd)
    }

    private func wait(_ events: Int16, timeout: Double) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        return poll(&descriptor, 1, Int32(max(0, timeout * 1_000))) > 0
    }

    /// Sends all of `bytes`; false once the server has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8], timeout: Double = 3) -> Bool {
        var offset = 0
        let deadline = Date().addingTimeInterval(timeout)
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                systemSend(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 { offset += sent; continue }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK,
                wait(Int16(POLLOUT), timeout: deadline.timeIntervalSinceNow)
            else { return false }
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// What arrives within `timeout`: data, the end of the stream (a close or a reset), or nothing.
    func read(timeout: Double) -> Read {
        if !pending.isEmpty { defer { pending = [] }; return .data(pending) }
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .data(Array(buffer[..<count])) }
            if count == 0 { return .closed }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return .closed }
            guard wait(Int16(POLLIN), timeout: deadline.timeIntervalSinceNow) else { return .timedOut }
        }
    }

    /// One HTTP response (head and a Content-Length body), or nil if none arrives within `timeout`.
    func response(timeout: Double = 3) -> Response? {
        let deadline = Date().addingTimeInterval(timeout)
        var bytes: [UInt8] = []
        var headEnd: Int?
        var response: Response?
        while true {
            if headEnd == nil, let end = Self.find([13, 10, 13, 10], in: bytes) {
                headEnd = end + 4
                let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
                let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                        in: .whitespaces)
                }
                response = Response(status: status, headers: headers, body: "")
            }
            if let headEnd, var complete = response {
                let length = Int(complete.headers["content-length"] ?? "0") ?? 0
                if bytes.count - headEnd >= length {
                    complete.body = String(decoding: bytes[headEnd..<(headEnd + length)], as: UTF8.self)
                    pending = Array(bytes[(headEnd + length)...])
                    return complete
                }
            }
            switch read(timeout: deadline.timeIntervalSinceNow) {
            case .data(let more): bytes += more
            case .closed, .timedOut: return nil
            }
        }
    }

    /// Whether the server ends the connection within `timeout` (anything it sends is discarded).
    func closedByServer(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            switch read(timeout: deadline.timeIntervalSinceNow) {
            case .data: continue
            case .closed: return true
            case .timedOut: return false
            }
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
