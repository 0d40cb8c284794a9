/// A problem with a user's input file or argument: where it is and what was expected. Printed as
/// one line (`portfolio.json: account.positions[0].size: expected ...`) with a non-zero exit.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public var location: String
    public var message: String

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { location.isEmpty ? message : "\(location): \(message)" }
}
