/// A canonical binary encoding for the state digest: fixed-width little-endian integers,
/// length-prefixed strings and arrays, in a documented order. Same state, same bytes.
package struct CanonicalEncoder {
    package private(set) var bytes: [UInt8] = []

    package init(reserving capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    package mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }
    package mutating func write(_ value: Int32) { write(UInt32(bitPattern: value)) }
    package mutating func write(_ value: Int) { write(Int64(value)) }
    package mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func write(_ value: UInt64) {
        var v = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    package mutating func write(_ value: UInt32) {
        var v = value
        for _ in 0..<4 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    package mutating func write(_ text: String) {
        let utf8 = Array(text.utf8)
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Writes an optional as a presence byte and the value.
    package mutating func write(_ value: Int64?) {
        write(value != nil)
        if let value { write(value) }
    }
}
