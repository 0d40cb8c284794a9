#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether `solvent serve` can listen on `host:port`, asked before it opens the journal or creates
/// a key: a port another process holds is a named error up front (`--port`), not a socket error
/// after the set-up. It binds a throwaway socket with the server's own `SO_REUSEADDR`, so it
/// refuses exactly what the server's bind would. The answer can go stale before the server binds;
/// the server's own error still stops it then.
enum PortCheck {
    /// `--port` within 0 to 65535 (a larger value would wrap: 99999 listens on 34463).
    static func checkRange(_ port: Int) throws {
        guard (0...65_535).contains(port) else {
            throw InputError("--port", "must be from 0 to 65535 (0: any free port), got \(port)")
        }
    }

    static func refusal(host: String, port: Int) -> InputError? {
        guard port != 0 else { return nil }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            return InputError("--host", "cannot resolve the address \(host)")
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { return nil }  // the server will report what it meets
        defer { close(descriptor) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            switch errno {
            case EADDRINUSE:
                return InputError(
                    "--port",
                    "port \(port) on \(host) is in use by another process: stop it, or give another --port (0: any free port)"
                )
            case EACCES:
                return InputError(
                    "--port",
                    "port \(port) on \(host) needs privileges this process lacks: give a --port of 1024 or more")
            case EADDRNOTAVAIL: return InputError("--host", "\(host) is not an address of this machine")
            default:
                return InputError("--port", "cannot listen on \(host):\(port): \(String(cString: strerror(errno)))")
            }
        }
        return nil
    }
}
