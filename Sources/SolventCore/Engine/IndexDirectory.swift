/// Maps ids to their index in one of the engine's tables. Venues number accounts, markets and
/// assets densely, so ids below `directLimit` live in a flat array (one load, no hashing, on every
/// fill); larger ids fall back to a dictionary. Membership only: nothing iterates it.
typealias AccountDirectory = IndexDirectory<AccountID>

/// An id with a raw integer value, for `IndexDirectory`.
protocol DenseID: Hashable, Sendable, Codable { var denseValue: UInt64 { get } }
extension AccountID: DenseID { var denseValue: UInt64 { rawValue } }
extension MarketID: DenseID { var denseValue: UInt64 { UInt64(rawValue) } }
extension AssetID: DenseID { var denseValue: UInt64 { UInt64(rawValue) } }

struct IndexDirectory<ID: DenseID>: Sendable, Codable {
    static var directLimit: UInt64 { 1 << 25 }
    private var direct: [Int32] = []
    private var sparse: [ID: Int32] = [:]

    subscript(id: ID) -> Int32? {
        get {
            if id.denseValue < Self.directLimit {
                let slot = Int(id.denseValue)
                guard slot < direct.count else { return nil }
                let index = direct[slot]
                return index >= 0 ? index : nil
            }
            return sparse[id]
        }
        set {
            precondition(newValue != nil, "accounts are never removed")
            if id.denseValue < Self.directLimit {
                let slot = Int(id.denseValue)
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
