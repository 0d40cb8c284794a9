/// An `Encodable` value as compact JSON, written straight into bytes in the order its
/// `encode(to:)` writes its keys (for the API's generated types, the schema's order: as
/// deterministic as sorting them, without the cost of reordering every object). The journal's
/// commands (but the three a direct writer takes: `JournalCodec`), the write replies of the
/// service's hand-routed hot paths and every event on its stream are encoded so: Foundation's
/// `JSONEncoder` first builds a tree of boxed values, which made it most of a fill batch's cost.
/// It covers keyed, unkeyed and single-value containers, nested through `encode(_:forKey:)` or
/// opened directly (as synthesized enum conformances do),
/// each written in full before its parent's next element; a write into a container after its
/// parent moved on, a super encoder, or a non-finite number without `nonFinite` names fails the
/// encoding with `EncodingError.invalidValue`. A key encoded twice in one object is written twice
/// (where `JSONEncoder` keeps the last): no synthesized conformance does that.
package enum CompactJSON {
    /// The strings a non-finite `Double` is written as (a JSON number cannot hold one), in the
    /// order +infinity, -infinity, NaN; nil refuses them.
    package typealias NonFiniteNames = (positiveInfinity: String, negativeInfinity: String, nan: String)

    package static func encode<T: Encodable>(_ value: T, nonFinite: NonFiniteNames? = nil) throws -> [UInt8] {
        let output = Output(nonFinite: nonFinite)
        let root = Node(output: output, codingPath: [])
        try root.write(value)
        if let failure = output.failure { throw failure }
        return output.bytes
    }

    /// A string as a JSON string literal: quotes, backslashes and control characters escaped.
    package static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, 110])
            case 0x0D: out.append(contentsOf: [92, 114])
            case 0x09: out.append(contentsOf: [92, 116])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The bytes written so far and the first failure.
    final class Output {
        var bytes: [UInt8] = []
        var failure: EncodingError?
        let nonFinite: NonFiniteNames?

        init(nonFinite: NonFiniteNames?) {
            self.nonFinite = nonFinite
            bytes.reserveCapacity(256)
        }

        func fail(_ path: [any CodingKey], _ what: String) {
            if failure == nil {
                failure = .invalidValue(what, .init(codingPath: path, debugDescription: "CompactJSON: \(what)"))
            }
        }

        func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

        func writeDouble(_ value: Double, at path: [any CodingKey]) {
            if value.isFinite { return write("\(value)") }
            guard let names = nonFinite else { return fail(path, "a non-finite number has no JSON form") }
            let name = value.isNaN ? names.nan : value > 0 ? names.positiveInfinity : names.negativeInfinity
            CompactJSON.writeString(name, into: &bytes)
        }
    }

    /// One value being encoded: the container it opened (at most one, of one kind), how many
    /// elements that container holds so far, and the nested container it opened directly, still
    /// being written (closed before this container's next element or its own end).
    final class Node: Encoder {
        enum Kind { case none, object, array, single }
        let output: Output
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        private(set) var kind = Kind.none
        var count = 0
        private var pending: Node?
        private var closed = false

        init(output: Output, codingPath: [any CodingKey]) {
            self.output = output
            self.codingPath = codingPath
        }

        /// Encodes `value` as this node's value and closes what it opened (an encoding that
        /// opens nothing is an empty object, as with `JSONEncoder`).
        func write<T: Encodable>(_ value: T) throws {
            try value.encode(to: self)
            finish()
        }

        /// Closes this node's container, and first the nested one still open in it.
        func finish() {
            guard !closed else { return }
            finishPending()
            closed = true
            switch kind {
            case .none: output.write("{}")
            case .object: output.bytes.append(UInt8(ascii: "}"))
            case .array: output.bytes.append(UInt8(ascii: "]"))
            case .single where count != 1: output.fail(codingPath, "a single value encoded \(count) times")
            case .single: break
            }
        }

        private func finishPending() {
            pending?.finish()
            pending = nil
        }

        /// A child container opened directly at `key`: written in place, closed when this
        /// container moves on.
        func nested(_ key: any CodingKey) -> Node {
            let child = child(key)
            pending = child
            return child
        }

        /// Opens the container of `wanted` (again, for a type that asks twice), or fails when
        /// this value already opened another kind.
        func open(_ wanted: Kind) {
            if closed { output.fail(codingPath, "a container opened after its value was written") }
            if kind == .none {
                kind = wanted
                if wanted == .object { output.bytes.append(UInt8(ascii: "{")) }
                if wanted == .array { output.bytes.append(UInt8(ascii: "[")) }
            } else if kind != wanted || wanted == .single {
                output.fail(codingPath, "one value encoded as two containers")
            }
        }

        /// One more value written into this node's single-value container.
        func nextValue() {
            if closed { output.fail(codingPath, "a write into a container after its parent moved on") }
            count += 1
        }

        /// The separator before the next element of this node's container (after closing the
        /// nested container still open in it); a write into a container already closed fails.
        func nextElement() {
            if closed { output.fail(codingPath, "a write into a container after its parent moved on") }
            finishPending()
            if count > 0 { output.bytes.append(UInt8(ascii: ",")) }
            count += 1
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            open(.object)
            return KeyedEncodingContainer(Keyed<Key>(node: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            open(.array)
            return Unkeyed(node: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            open(.single)
            return Single(node: self)
        }

        /// A child for a value at `key`, which is written and closed before the call returns.
        func child(_ key: any CodingKey) -> Node { Node(output: output, codingPath: codingPath + [key]) }

        /// What the protocol asks for but no type here uses (a super encoder): a detached node
        /// whose writes are discarded, and a failure.
        func unsupported(_ what: String) -> Node {
            output.fail(codingPath, what)
            return Node(output: Output(nonFinite: nil), codingPath: codingPath)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }

        private func key(_ key: Key) {
            node.nextElement()
            CompactJSON.writeString(key.stringValue, into: &node.output.bytes)
            node.output.bytes.append(UInt8(ascii: ":"))
        }

        mutating func encodeNil(forKey key: Key) throws {
            self.key(key)
            node.output.write("null")
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws {
            self.key(key)
            node.output.write(value ? "true" : "false")
        }
        mutating func encode(_ value: String, forKey key: Key) throws {
            self.key(key)
            CompactJSON.writeString(value, into: &node.output.bytes)
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            self.key(key)
            node.output.writeDouble(value, at: codingPath + [key])
        }
        mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { integer(value, key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { integer(value, key) }

        private func integer(_ value: some BinaryInteger, _ key: Key) {
            self.key(key)
            node.output.write(String(value))
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            self.key(key)
            try node.child(key).write(value)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            self.key(key)
            return node.nested(key).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            self.key(key)
            return node.nested(key).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { node.unsupported("a super encoder") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { node.unsupported("a super encoder") }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }
        var count: Int { node.count }

        private struct Index: CodingKey {
            var intValue: Int?
            var stringValue: String { "\(intValue ?? 0)" }
            init(intValue: Int) { self.intValue = intValue }
            init?(stringValue: String) { nil }
        }

        mutating func encodeNil() throws {
            node.nextElement()
            node.output.write("null")
        }
        mutating func encode(_ value: Bool) throws {
            node.nextElement()
            node.output.write(value ? "true" : "false")
        }
        mutating func encode(_ value: String) throws {
            node.nextElement()
            CompactJSON.writeString(value, into: &node.output.bytes)
        }
        mutating func encode(_ value: Double) throws {
            node.nextElement()
            node.output.writeDouble(value, at: codingPath)
        }
        mutating func encode(_ value: Int) throws {
            node.nextElement()
            node.output.write(String(value))
        }
        mutating func encode(_ value: Int64) throws {
            node.nextElement()
            node.output.write(String(value))
        }
        mutating func encode(_ value: UInt64) throws {
            node.nextElement()
            node.output.write(String(value))
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let index = node.count
            node.nextElement()
            try node.child(Index(intValue: index)).write(value)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type
        ) -> KeyedEncodingContainer<NestedKey> {
            let index = node.count
            node.nextElement()
            return node.nested(Index(intValue: index)).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let index = node.count
            node.nextElement()
            return node.nested(Index(intValue: index)).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { node.unsupported("a super encoder") }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }

        /// The output, counting one more value written into this single-value container.
        private func counted() -> Output {
            node.nextValue()
            return node.output
        }

        mutating func encodeNil() throws { counted().write("null") }
        mutating func encode(_ value: Bool) throws { counted().write(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { CompactJSON.writeString(value, into: &counted().bytes) }
        mutating func encode(_ value: Double) throws { counted().writeDouble(value, at: codingPath) }
        mutating func encode(_ value: Float) throws { counted().writeDouble(Double(value), at: codingPath) }
        mutating func encode(_ value: Int) throws { counted().write(String(value)) }
        mutating func encode(_ value: Int8) throws { counted().write(String(value)) }
        mutating func encode(_ value: Int16) throws { counted().write(String(value)) }
        mutating func encode(_ value: Int32) throws { counted().write(String(value)) }
        mutating func encode(_ value: Int64) throws { counted().write(String(value)) }
        mutating func encode(_ value: UInt) throws { counted().write(String(value)) }
        mutating func encode(_ value: UInt8) throws { counted().write(String(value)) }
        mutating func encode(_ value: UInt16) throws { counted().write(String(value)) }
        mutating func encode(_ value: UInt32) throws { counted().write(String(value)) }
        mutating func encode(_ value: UInt64) throws { counted().write(String(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try Node(output: counted(), codingPath: codingPath).write(value)
        }
    }
}
