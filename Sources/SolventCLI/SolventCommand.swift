import ArgumentParser
import Foundation

/// The `solvent` command line.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct SolventCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "solvent",
        abstract: "Solvent: a deterministic margin and liquidation engine for crypto derivatives.",
        subcommands: [
            MarginCommand.self, IndexCommand.self, PriceCommand.self, ImpliedVolCommand.self, OptionStudyCommand.self,
            BacktestCommand.self,
            SimulateCommand.self, ServeCommand.self, GatewayCommand.self, ReplayCommand.self, JournalBenchCommand.self,
            CommitCommand.self, ProveCommand.self, VerifyCommand.self, SolvencyCommand.self,
        ])

    public init() {}
}

/// The program's entry: the async `main` of an async root command. (Called on the concrete
/// type, overload resolution can pick ParsableCommand's synchronous `main`, which refuses async
/// subcommands; constrained to AsyncParsableCommand it cannot.)
///
/// Every refusal of bad input exits 2, whoever finds it: a command's own checks throw
/// `ExitCode(2)`, and ArgumentParser's usage errors (an unknown option, `--port abc`, a missing
/// value), which it would end with 64, are mapped to 2 with the same message.
public func launchSolvent() async {
    do {
        var command = try SolventCommand.parseAsRoot()
        if var asynchronous = command as? AsyncParsableCommand {
            try await asynchronous.run()
        } else {
            try command.run()
        }
    } catch {
        if SolventCommand.exitCode(for: error) == .validationFailure {
            Diagnostics.write(SolventCommand.fullMessage(for: error) + "\n")
            SolventCommand.exit(withError: ExitCode(2))
        }
        SolventCommand.exit(withError: error)
    }
}
