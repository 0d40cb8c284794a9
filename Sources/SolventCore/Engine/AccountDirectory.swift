/// Maps account ids to their index in the engine's account table. Venues number accounts densely,
/// so ids below `directLimit` live in a flat array (one load, no hashing, on every fill); larger
/// ids fall back to a dictionary. Membership only: nothing iterates it.
struct AccountDirectory: Sendable {
    static let directLimit: UInt64 = 1 << 25
    private var direct: [Int32] = []
    private var sparse: [AccountID: Int32] = [:]

    subscript(id: AccountID) -> Int32? {
        get {
            if id.rawValue < Self.directLimit {
                let slot = Int(id.rawValue)
                guard slot < direct.count else { return nil }
                let index = direct[slot]
                return index >= 0 ? index : nil
            }
            return sparse[id]
        }
        set {
            precondition(newValue != nil, "accounts are never removed")
            if id.rawValue < Self.directLimit {
                let slot = Int(id.rawValue)
                if slot >= direct.count {
                    direct.append(contentsOf: repeatElement(-1, count: max(slot + 1 - direct.count, direct.count)))
                }
                direct[slot] = newValue!
            } else {
                sparse[id] = newValue
            }
        }
    }
}
