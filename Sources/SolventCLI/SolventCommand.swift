import ArgumentParser

/// The `solvent` command line.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct SolventCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "solvent",
        abstract: "Solvent: a deterministic margin and liquidation engine for crypto derivatives.",
        subcommands: [MarginCommand.self, IndexCommand.self, PriceCommand.self, ImpliedVolCommand.self, OptionStudyCommand.self, BacktestCommand.self,
                      SimulateCommand.self, ServeCommand.self, ReplayCommand.self, JournalBenchCommand.self,
                      CommitCommand.self, ProveCommand.self, VerifyCommand.self, SolvencyCommand.self])

    public init() {}
}

/// The program's entry: the async `main` of an async root command. (Called on the concrete
/// type, overload resolution can pick ParsableCommand's synchronous `main`, which refuses async
/// subcommands; constrained to AsyncParsableCommand it cannot.)
public func launchSolvent() async {
    func launch<Root: AsyncParsableCommand>(_ root: Root.Type) async { await root.main(nil) }
    await launch(SolventCommand.self)
}
