/// The direction of every rounding in the engine. Each call site names one, chosen so that the
/// remainder favours the solvency of the system (DESIGN.md §3):
/// requirements, debts and fees round `.up` (toward +∞, more for the house to hold or receive);
/// payouts and credits round `.down` (toward −∞, less for the house to pay).
public enum Rounding: Sendable, Hashable, Codable {
    /// Toward negative infinity (floor).
    case down
    /// Toward positive infinity (ceiling).
    case up
}
