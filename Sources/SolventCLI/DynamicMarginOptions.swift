import ArgumentParser
import SolventServer

/// `solvent serve`'s dynamic margin options: off unless `--dynamic-margin` is given; every other
/// option here needs it (a tuning option without the rule it tunes is an error, not ignored).
public struct DynamicMarginOptions: ParsableArguments {
    @Flag(
        help: """
            Keeper: raise each market's margin schedule with its own volatility at the close of every \
            period (the published schedule is the floor).
            """)
    public var dynamicMargin = false
    @Option(parsing: .unconditional, help: "Dynamic margin: seconds of engine time a period lasts (1 to 31,622,400).")
    public var dynamicMarginPeriod: Int64?
    @Option(parsing: .unconditional, help: "Dynamic margin: returns of past periods in the volatility (2 to 10,000).")
    public var dynamicMarginWindow: Int?
    @Option(parsing: .unconditional, help: "Dynamic margin: confidence of the period's loss (0.5 to 1, exclusive).")
    public var dynamicMarginConfidence: Double?
    @Option(parsing: .unconditional, help: "Dynamic margin: EWMA decay of the volatility (0 to 1, exclusive).")
    public var dynamicMarginLambda: Double?
    @Option(parsing: .unconditional, help: "Dynamic margin: weight of the stressed (highest) volatility (0 to 1).")
    public var dynamicMarginStressedWeight: Double?
    @Option(parsing: .unconditional, help: "Dynamic margin: buffer on top of the rate (0 to 10).")
    public var dynamicMarginBuffer: Double?
    @Option(
        parsing: .unconditional, help: "Dynamic margin: largest rise of the rate in one period (0 to 100, 0.5 = +50 %)."
    )
    public var dynamicMarginMaxRise: Double?
    @Option(parsing: .unconditional, help: "Dynamic margin: highest first-tier initial rate (above 0, at most 1).")
    public var dynamicMarginCeiling: Double?

    public init() {}

    /// The options given, by their flag, for the check that they come with `--dynamic-margin`.
    var given: [String] {
        let values: [(String, Any?)] = [
            ("--dynamic-margin-period", dynamicMarginPeriod), ("--dynamic-margin-window", dynamicMarginWindow),
            ("--dynamic-margin-confidence", dynamicMarginConfidence), ("--dynamic-margin-lambda", dynamicMarginLambda),
            ("--dynamic-margin-stressed-weight", dynamicMarginStressedWeight),
            ("--dynamic-margin-buffer", dynamicMarginBuffer), ("--dynamic-margin-max-rise", dynamicMarginMaxRise),
            ("--dynamic-margin-ceiling", dynamicMarginCeiling),
        ]
        return values.compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// The rule's configuration, nil without `--dynamic-margin`; an `InputError` naming the
    /// option for a value out of its range or an option given without the flag.
    public func configuration(keeper: Bool) throws -> DynamicMarginSchedule.Configuration? {
        guard dynamicMargin else {
            if let option = given.first { throw InputError(option, "needs --dynamic-margin") }
            return nil
        }
        guard keeper else { throw InputError("--dynamic-margin", "the built-in keeper runs it: drop --no-keeper") }
        var configuration = DynamicMarginSchedule.Configuration()
        if let period = dynamicMarginPeriod {
            guard (1...31_622_400).contains(period) else {
                throw InputError("--dynamic-margin-period", "must be from 1 to 31622400 seconds, got \(period)")
            }
            configuration.period = period * 1_000_000_000
        }
        configuration.window = dynamicMarginWindow ?? configuration.window
        configuration.confidence = dynamicMarginConfidence ?? configuration.confidence
        configuration.lambda = dynamicMarginLambda ?? configuration.lambda
        configuration.stressedWeight = dynamicMarginStressedWeight ?? configuration.stressedWeight
        configuration.buffer = dynamicMarginBuffer ?? configuration.buffer
        configuration.maxRise = dynamicMarginMaxRise ?? configuration.maxRise
        configuration.ceiling = dynamicMarginCeiling ?? configuration.ceiling
        if let invalid = configuration.invalidParameter() {
            let flag = "--dynamic-margin-" + invalid.field.replacing(/[A-Z]/) { "-" + $0.output.lowercased() }
            throw InputError(flag, "must be \(invalid.reason)")
        }
        return configuration
    }
}
