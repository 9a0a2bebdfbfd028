/// A minimal writer of Python pickles, protocol 2 (readable by Python 2.3+ and every Python 3), for
/// the values a Detectron2 checkpoint holds: dicts with string keys, strings, booleans, ints, and
/// float32 numpy arrays. Arrays are written the way numpy pickles them (`ndarray.__reduce__`):
/// `numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')` then `__setstate__((1, shape,
/// dtype('<f4'), False, raw bytes))`. `numpy.core.multiarray` is the module name numpy 1.x defines and
/// numpy 2.x still resolves (via its `numpy.core` compatibility shim). Bytes are encoded as Python 3
/// does at protocol 2, `_codecs.encode(latin-1 text, 'latin1')`, so the file loads with or without
/// `pickle.load(..., encoding="latin1")` (which Detectron2 passes).
struct PickleWriter {
    enum Value {
        case dict([(String, Value)])
        case string(String)
        case bool(Bool)
        case int(Int)
        case none
        case float32Array(shape: [Int], data: [Float])
    }

    private(set) var bytes: [UInt8] = []

    static func encode(_ value: Value) -> [UInt8] {
        var w = PickleWriter()
        w.bytes = [0x80, 2]          // PROTO 2
        w.write(value)
        w.bytes.append(UInt8(ascii: "."))   // STOP
        return w.bytes
    }

    private mutating func op(_ c: Unicode.Scalar) { bytes.append(UInt8(c.value)) }   // opcodes are single bytes

    private mutating func global(_ module: String, _ name: String) {
        op("c")
        bytes += Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    private mutating func u32(_ v: Int) {
        let x = UInt32(v)
        bytes += [UInt8(x & 0xFF), UInt8((x >> 8) & 0xFF), UInt8((x >> 16) & 0xFF), UInt8(x >> 24)]
    }

    private mutating func unicode(_ utf8: [UInt8]) {
        op("X")               // BINUNICODE
        u32(utf8.count)
        bytes += utf8
    }

    private mutating func int(_ v: Int) {
        if v >= 0 && v < 256 {
            op("K"); bytes.append(UInt8(v))
        } else if v >= 0 && v < 65536 {
            op("M"); bytes += [UInt8(v & 0xFF), UInt8(v >> 8)]
        } else {
            precondition(v >= Int(Int32.min) && v <= Int(Int32.max), "pickle: int \(v) out of int32 range")
            op("J"); u32(Int(UInt32(bitPattern: Int32(v))))
        }
    }

    /// Python 3's protocol-2 encoding of a bytes object.
    private mutating func pyBytes(_ data: [UInt8]) {
        if data.isEmpty {
            global("__builtin__", "bytes"); op(")"); op("R")
            return
        }
        global("_codecs", "encode")
        var utf8: [UInt8] = []
        utf8.reserveCapacity(data.count * 2)
        for b in data {
            if b < 0x80 { utf8.append(b) } else { utf8 += [0xC0 | (b >> 6), 0x80 | (b & 0x3F)] }
        }
        unicode(utf8)
        unicode(Array("latin1".utf8))
        op("\u{86}")          // TUPLE2
        op("R")               // REDUCE
    }

    private mutating func tuple(_ items: [() -> Void]) {
        switch items.count {
        case 0: op(")")
        case 1: items[0](); op("\u{85}")
        case 2: items[0](); items[1](); op("\u{86}")
        case 3: items[0](); items[1](); items[2](); op("\u{87}")
        default: op("("); for f in items { f() }; op("t")
        }
    }

    private mutating func write(_ value: Value) {
        switch value {
        case let .dict(items):
            op("}")
            if !items.isEmpty {
                op("(")
                for (k, v) in items { unicode(Array(k.utf8)); write(v) }
                op("u")
            }
        case let .string(s): unicode(Array(s.utf8))
        case let .bool(b): op(b ? "\u{88}" : "\u{89}")
        case let .int(i): int(i)
        case .none: op("N")
        case let .float32Array(shape, data):
            global("numpy.core.multiarray", "_reconstruct")
            global("numpy", "ndarray")
            int(0); op("\u{85}")
            pyBytes([UInt8(ascii: "b")])
            op("\u{87}"); op("R")
            // state: (1, shape, dtype, is_fortran, data)
            op("(")
            int(1)
            if shape.count == 1 { int(shape[0]); op("\u{85}") }
            else if shape.count == 2 { int(shape[0]); int(shape[1]); op("\u{86}") }
            else if shape.count == 3 { int(shape[0]); int(shape[1]); int(shape[2]); op("\u{87}") }
            else if shape.isEmpty { op(")") }
            else { op("("); for d in shape { int(d) }; op("t") }
            global("numpy", "dtype")
            unicode(Array("f4".utf8)); op("\u{89}"); op("\u{88}"); op("\u{87}"); op("R")
            op("("); int(3); unicode(Array("<".utf8)); op("N"); op("N"); op("N"); int(-1); int(-1); int(0); op("t"); op("b")
            op("\u{89}")
            var raw = [UInt8](repeating: 0, count: data.count * 4)
            for (i, f) in data.enumerated() {
                let b = f.bitPattern.littleEndian
                raw[4 * i] = UInt8(b & 0xFF); raw[4 * i + 1] = UInt8((b >> 8) & 0xFF)
                raw[4 * i + 2] = UInt8((b >> 16) & 0xFF); raw[4 * i + 3] = UInt8(b >> 24)
            }
            pyBytes(raw)
            op("t"); op("b")
        }
    }
}
