/// An `Encodable` value as compact JSON, written straight into bytes in the order its
/// `encode(to:)` writes its keys (for the document's generated types, the schema's order: as
/// deterministic as sorting them, without the cost of reordering every object). The
/// write replies of the hand-routed hot paths and every event on the stream are encoded so:
/// Foundation's `JSONEncoder` first builds a tree of boxed values, which made it most of a fill
/// batch's cost. It covers what the document's types use (keyed and unkeyed containers, nested
/// through `encode(_:forKey:)`, single values); a nested container requested directly, a super
/// encoder or a non-finite number fails the encoding with `EncodingError.invalidValue`.
enum CompactJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let output = Output()
        try Node(output: output, codingPath: []).write(value)
        if let failure = output.failure { throw failure }
        return output.bytes
    }

    /// The bytes written so far and the first failure.
    final class Output {
        var bytes: [UInt8] = []
        var failure: EncodingError?

        init() { bytes.reserveCapacity(256) }

        func fail(_ path: [any CodingKey], _ what: String) {
            if failure == nil {
                failure = .invalidValue(what, .init(codingPath: path, debugDescription: "CompactJSON: \(what)"))
            }
        }

        func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

        func writeDouble(_ value: Double, at path: [any CodingKey]) {
            guard value.isFinite else { return fail(path, "a non-finite number has no JSON form") }
            write("\(value)")
        }
    }

    /// One value being encoded: the container it opened (at most one, of one kind) and how many
    /// elements that container holds so far.
    final class Node: Encoder {
        enum Kind { case none, object, array, single }
        let output: Output
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        private(set) var kind = Kind.none
        var count = 0

        init(output: Output, codingPath: [any CodingKey]) {
            self.output = output
            self.codingPath = codingPath
        }

        /// Encodes `value` as this node's value and closes what it opened (an encoding that
        /// opens nothing is an empty object, as with `JSONEncoder`).
        func write<T: Encodable>(_ value: T) throws {
            try value.encode(to: self)
            switch kind {
            case .none: output.write("{}")
            case .object: output.bytes.append(UInt8(ascii: "}"))
            case .array: output.bytes.append(UInt8(ascii: "]"))
            case .single where count != 1: output.fail(codingPath, "a single value encoded \(count) times")
            case .single: break
            }
        }

        /// Opens the container of `wanted` (again, for a type that asks twice), or fails when
        /// this value already opened another kind.
        func open(_ wanted: Kind) {
            if kind == .none {
                kind = wanted
                if wanted == .object { output.bytes.append(UInt8(ascii: "{")) }
                if wanted == .array { output.bytes.append(UInt8(ascii: "[")) }
            } else if kind != wanted || wanted == .single {
                output.fail(codingPath, "one value encoded as two containers")
            }
        }

        /// The separator before the next element of this node's container.
        func nextElement() {
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

        /// What the protocol asks for but the document's types never use: a detached node whose
        /// writes are discarded, and a failure.
        func unsupported(_ what: String) -> Node {
            output.fail(codingPath, what)
            return Node(output: Output(), codingPath: codingPath)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }

        private func key(_ key: Key) {
            node.nextElement()
            JSON.writeString(key.stringValue, into: &node.output.bytes)
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
            JSON.writeString(value, into: &node.output.bytes)
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
            node.unsupported("a nested keyed container").container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            node.unsupported("a nested unkeyed container").unkeyedContainer()
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
            JSON.writeString(value, into: &node.output.bytes)
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
            node.unsupported("a nested keyed container").container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            node.unsupported("a nested unkeyed container").unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { node.unsupported("a super encoder") }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }

        /// The output, counting one more value written into this single-value container.
        private func counted() -> Output {
            node.count += 1
            return node.output
        }

        mutating func encodeNil() throws { counted().write("null") }
        mutating func encode(_ value: Bool) throws { counted().write(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { JSON.writeString(value, into: &counted().bytes) }
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
