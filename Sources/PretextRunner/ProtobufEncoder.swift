/// Protocol-buffer wire encoding of the few messages an event file needs (TensorBoard's `Event`,
/// `Summary`, `TensorProto`), written by hand rather than generated: fields are appended in field-number
/// order, as the reference serializer writes them, so the bytes equal TensorBoard's own.
public struct ProtobufEncoder {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    private mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    private mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// An int32/int64/enum field (negative values as 10-byte two's complement, as protobuf does).
    public mutating func int(_ field: Int, _ v: Int64) { key(field, 0); varint(UInt64(bitPattern: v)) }

    public mutating func double(_ field: Int, _ v: Double) {
        key(field, 1)
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func float(_ field: Int, _ v: Float) {
        key(field, 5)
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func data(_ field: Int, _ v: [UInt8]) { key(field, 2); varint(UInt64(v.count)); bytes += v }

    public mutating func string(_ field: Int, _ v: String) { data(field, Array(v.utf8)) }

    public mutating func message(_ field: Int, _ build: (inout ProtobufEncoder) -> Void) {
        var inner = ProtobufEncoder()
        build(&inner)
        data(field, inner.bytes)
    }
}
