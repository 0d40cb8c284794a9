import ArgumentParser
import Foundation
import SolventCLI
import SolventServer
import Testing

/// Goal: a sharded venue's options — `solvent serve --shard K/N` and `solvent gateway` — refuse a
/// bad value with exit 2 naming the option, and a shard's front end defaults to what its gateway
/// needs. Method: `parseAsRoot` runs `validate()`; a shard's limits are read off `limits`.
@Suite(.capturingDiagnostics)
struct VenueOptionTests {
    static func exitCode<Command: ParsableCommand>(_ command: Command.Type, _ arguments: [String]) -> Int32? {
        do { _ = try Command.parseAsRoot(arguments); return nil } catch {
            return Command.exitCode(for: error).rawValue
        }
    }

    @Test func badShardsExitTwo() {
        for shard in ["", "4/4", "5/4", "-1/4", "0/0", "0/1025", "1", "a/b", "0/4/1", "0 /4", "1.5/4"] {
            #expect(Self.exitCode(ServeCommand.self, ["--shard", shard]) == 2, "\(shard)")
        }
        #expect(Self.exitCode(ServeCommand.self, ["--shard", "0/4", "--demo"]) == 2)
        #expect(Self.exitCode(ServeCommand.self, ["--shard", "0/4", "--keeper-account", "5"]) == 2)
        for shard in ["0/1", "3/4", "1023/1024"] {
            #expect(Self.exitCode(ServeCommand.self, ["--shard", shard]) == nil, "\(shard)")
        }
    }

    /// A shard's rate limits are off and its body limit fits a gateway's request, unless given.
    @Test func aShardsFrontEndFitsItsGateway() throws {
        let shard = try ServeCommand.parse(["--shard", "1/4"]).limits
        #expect(shard.keyRate == 0 && shard.addressRate == 0 && shard.maxBodyBytes == 8 << 20)
        let given = try ServeCommand.parse(["--shard", "1/4", "--key-rate", "50", "--max-body-bytes", "4096"]).limits
        #expect(given.keyRate == 50 && given.addressRate == 0 && given.maxBodyBytes == 4_096)
        #expect(try ServeCommand.parse([]).limits == FrontEndLimits())
    }

    @Test func badGatewayOptionsExitTwo() throws {
        let base = ["--shard-keys", "keys", "--key-file", "key", "--log-file", "log"]
        for arguments in [
            base, base + ["--shard", "ftp://x:1"], base + ["--shard", "not a url"], base + ["--shard", "http://"],
            base + ["--shard", "http://a:1", "--port", "70000"],
            base + ["--shard", "http://a:1", "--keeper-interval", "0.001"],
            base + ["--shard", "http://a:1", "--keeper-interval", "nan"],
            base + ["--shard", "http://a:1", "--tick-interval", "0"],
            base + ["--shard", "http://a:1", "--shard-timeout", "601"],
            base + ["--shard", "http://a:1,ftp://b:2"], base + ["--shard", "http://a:1,"],
            base + ["--shard", "http://a:1", "--reconnect-interval", "0.001"],
            base + ["--shard", "http://a:1", "--reconnect-interval", "61"],
        ] {
            #expect(Self.exitCode(GatewayCommand.self, arguments) == 2, "\(arguments)")
        }
        // A missing option is ArgumentParser's usage error (the launcher exits 2 for it too).
        #expect(Self.exitCode(GatewayCommand.self, ["--shard", "http://a:1"]) != nil)
        #expect(Self.exitCode(GatewayCommand.self, base + ["--shard", "http://a:1", "--keeper-interval", "0"]) == nil)
        // A shard with a standby: its services comma-separated.
        let pair = try? GatewayCommand.parse(base + ["--shard", "http://a:1, http://b:2", "--reconnect-interval", "0"])
        #expect(try pair?.shardURLs().map { $0.map(\.absoluteString) } == [["http://a:1", "http://b:2"]])
    }
}
