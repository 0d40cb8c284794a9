import ArgumentParser

/// The `solvent` command line.
public struct SolventCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "solvent",
        abstract: "Solvent: a deterministic margin and liquidation engine for crypto derivatives.",
        subcommands: [MarginCommand.self, IndexCommand.self, PriceCommand.self, ImpliedVolCommand.self, BacktestCommand.self,
                      SimulateCommand.self])

    public init() {}
}
