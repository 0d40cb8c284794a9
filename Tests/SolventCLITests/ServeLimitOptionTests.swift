import ArgumentParser
import Foundation
import SolventCLI
import SolventServer
import Testing

/// Goal: the front end's limits given to `solvent serve` reach the server as given, and a value
/// out of range is refused with exit 2 naming the option. Method: `parseAsRoot` runs
/// `validate()`; the accepted bounds and the defaults are checked on `limits`.
@Suite(.capturingDiagnostics)
struct ServeLimitOptionTests {
    static func exitCode(_ arguments: [String]) -> Int32? {
        do { _ = try ServeCommand.parseAsRoot(arguments); return nil } catch {
            return ServeCommand.exitCode(for: error).rawValue
        }
    }

    @Test func outOfRangeLimitsExitTwo() {
        for arguments in [
            ["--read-timeout", "0"], ["--read-timeout", "-1"], ["--read-timeout", "nan"], ["--read-timeout", "3601"],
            ["--idle-timeout", "0.05"], ["--idle-timeout", "inf"], ["--max-header-bytes", "1023"],
            ["--max-header-bytes", "1048577"], ["--max-body-bytes", "-5"], ["--max-body-bytes", "67108865"],
            ["--max-connections", "0"], ["--max-connections", "1000001"], ["--key-rate", "-1"], ["--key-rate", "nan"],
            ["--key-burst", "0"], ["--address-rate", "1000001"], ["--address-burst", "10000001"],
        ] {
            #expect(Self.exitCode(arguments) == 2, "\(arguments)")
        }
        for arguments in [
            ["--read-timeout", "0.1"], ["--idle-timeout", "86400"], ["--max-header-bytes", "1024"],
            ["--max-body-bytes", "67108864"],
            ["--max-connections", "1"], ["--key-rate", "0"], ["--address-rate", "1000000"], ["--key-burst", "1"],
        ] {
            #expect(Self.exitCode(arguments) == nil, "\(arguments)")
        }
    }

    @Test func limitsReachTheServer() throws {
        #expect(try ServeCommand.parse([]).limits == FrontEndLimits())
        let limits = try ServeCommand.parse([
            "--read-timeout", "2.5", "--idle-timeout", "90", "--max-header-bytes", "4096", "--max-body-bytes", "2048",
            "--max-connections", "7", "--key-rate", "0", "--key-burst", "3", "--address-rate", "12.5",
            "--address-burst", "25",
        ]).limits
        #expect(limits.readTimeout == .milliseconds(2_500) && limits.idleTimeout == .seconds(90))
        #expect(limits.maxHeaderBytes == 4_096 && limits.maxBodyBytes == 2_048 && limits.maxConnections == 7)
        #expect(limits.keyRate == 0 && limits.keyBurst == 3 && limits.addressRate == 12.5 && limits.addressBurst == 25)
    }

    /// A port another process listens on, a host that is not this machine's or does not resolve:
    /// exit 2 naming the option, before any journal is opened or key created.
    @Test func aPortInUseOrAForeignHostIsRefusedBeforeTheSetUp() async throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0 && listen(holder, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-port-\(getpid())-\(port).db"
        ).path
        let cases: [([String], String)] = [
            (["--port", "\(port)"], "--port: port \(port) on 127.0.0.1 is in use by another process"),
            (["--host", "192.0.2.1", "--port", "8099"], "--host: 192.0.2.1 is not an address of this machine"),
            (
                ["--host", "no-such-host.invalid", "--port", "8099"],
                "--host: cannot resolve the address no-such-host.invalid"
            ),
        ]
        for (arguments, expected) in cases {
            let buffer = DiagnosticsBuffer()
            let status: Int32 = await Diagnostics.$capture.withValue(buffer) {
                do {
                    try await ServeCommand.parse(["--db", journal] + arguments).run()
                    return 0
                } catch { return ServeCommand.exitCode(for: error).rawValue }
            }
            #expect(status == 2, "\(arguments)")
            #expect(buffer.text.hasPrefix("error: \(expected)"), "\(arguments): \(buffer.text)")
            #expect(!FileManager.default.fileExists(atPath: journal), "no journal was opened")
        }
    }
}
