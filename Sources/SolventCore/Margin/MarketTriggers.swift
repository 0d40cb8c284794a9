/// A market's three trigger indexes (detection without a full scan). Each position
/// sits where its next state change would happen, so a mark move visits only the positions whose
/// state it can change:
/// - `entry`: unflagged positions, at the mark where they reach their margin-call level;
/// - `deeper`: positions in margin call, at the mark where they become liquidatable;
/// - `recovery`: flagged positions, at the mark where they leave their state (back above the
///   call level, or out of liquidation past the exit buffer), on the favourable side.
/// Positions whose pool depends on more than this market's mark sit in `entry`'s always-checked
/// list whatever their state. `entry`'s dirty list holds the rows changed since the last mark
/// update; they are checked directly and re-indexed at the next one.
public struct MarketTriggers: Sendable, Codable {
    public internal(set) var entry = TriggerIndex()
    public internal(set) var deeper = TriggerIndex()
    public internal(set) var recovery = TriggerIndex()

    /// Every row a mark move to `mark` must re-check (unsorted, with repeats).
    func candidates(mark: Double, into rows: inout [Int32]) {
        entry.candidates(mark: mark, into: &rows)
        deeper.candidates(mark: mark, into: &rows)
        recovery.candidates(mark: mark, into: &rows)
    }

    mutating func remove(row: Int32) {
        entry.remove(row: row)
        deeper.remove(row: row)
        recovery.remove(row: row)
    }

    mutating func renumber(from old: Int32, to new: Int32) {
        entry.renumber(from: old, to: new)
        deeper.renumber(from: old, to: new)
        recovery.renumber(from: old, to: new)
    }
}
