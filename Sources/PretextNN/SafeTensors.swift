import Foundation
import PretextTensor

/// Reads and writes the safetensors format (huggingface/safetensors), the weight format PyTorch,
/// timm and Hugging Face load without executing code:
///
///     u64 little-endian N | N bytes of JSON header | raw little-endian tensor data
///
/// The header maps each key to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`
/// (offsets relative to the data section) plus an optional `"__metadata__"` string→string map. As the
/// reference writer does, the header is padded with spaces to a multiple of 8 bytes, and the tensors
/// lie back to back without holes. Pretext writes float32 ("F32") — and "I64" for
/// `num_batches_tracked` counters, the dtype PyTorch's state dicts have — in the order given, so a file
/// written from `module.stateDict()` opens with `safetensors.torch.load_file` and loads with
/// `load_state_dict(strict=True)`. Reading accepts F32, F16, BF16, F64 and integer/bool dtypes, all
/// converted to float32 (weights published by PyTorch users are often F16 or BF16).
public enum SafeTensors {
    /// Keys written as int64 (integral counters in PyTorch state dicts).
    public static func isIntegerKey(_ key: String) -> Bool { key.hasSuffix("num_batches_tracked") }

    /// Writes `tensors` (keys must be unique) with string `metadata` to `url`, atomically (temporary
    /// file in the same directory, fsync, rename).
    public static func write(_ tensors: [(key: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        var seen = Set<String>()
        for (k, _) in tensors {
            guard !k.isEmpty, k != "__metadata__", seen.insert(k).inserted else {
                throw SafeTensorsError.invalidTensor(path: url.path, key: k, detail: "keys must be unique, non-empty and not '__metadata__'")
            }
        }
        var metadata = metadata
        metadata[checksumKey] = checksumMetadata(tensors)
        let header = headerBytes(tensors, metadata: metadata)
        do {
            try AtomicFileWriter.write(to: url) { w in
                var n = UInt64(header.count).littleEndian
                try withUnsafeBytes(of: &n) { try w.write($0.baseAddress!, count: 8) }
                try w.write(header)
                for (k, t) in tensors {
                    try withStoredBytes(k, t) { try w.write($0.baseAddress!, count: $0.count) }
                }
            }
        } catch let f as AtomicFileWriter.Failure {
            throw SafeTensorsError.io(path: url.path, detail: f.detail)
        }
    }

    /// The metadata key holding each tensor's CRC-32C (a JSON object: key → 8 hex digits) over its bytes
    /// in the file, verified on reading: a bit flip in a checkpoint is refused, not trained on.
    public static let checksumKey = "pretext.crc32c"

    /// The bytes a tensor occupies in the file: little-endian float32, or int64 for counters.
    static func withStoredBytes(_ key: String, _ t: Tensor, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if isIntegerKey(key) {
            let ints = t.scalars.map { Int64($0).littleEndian }
            try ints.withUnsafeBytes { try body($0) }
        } else {
            #if _endian(big)
            let le = t.scalars.map { $0.bitPattern.littleEndian }
            try le.withUnsafeBytes { try body($0) }
            #else
            try body(UnsafeRawBufferPointer(start: UnsafeRawPointer(t.storage.pointer), count: t.count * 4))
            #endif
        }
    }

    static func checksumMetadata(_ tensors: [(key: String, tensor: Tensor)]) -> String {
        var parts: [String] = []
        for (k, t) in tensors {
            var crc: UInt32 = 0
            withStoredBytes(k, t) { crc = CRC32C.checksum($0) }
            parts.append("\(jsonString(k)):\"\(String(format: "%08x", crc))\"")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// The header JSON (with its space padding) for `tensors`, in their order.
    static func headerBytes(_ tensors: [(key: String, tensor: Tensor)], metadata: [String: String]) -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        for (k, t) in tensors {
            let int = isIntegerKey(k)
            let bytes = t.count * (int ? 8 : 4)
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(k)):{\"dtype\":\"\(int ? "I64" : "F32")\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        return header
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Reads a safetensors file: tensors in file order (data offsets), and the metadata. Tensors whose
    /// bytes do not match the checksums Pretext stored (`checksumKey`) are refused, and so are
    /// non-finite values (NaN, ±inf) unless `allowNonFinite`: weights never hold them.
    public static func read(from url: URL, allowNonFinite: Bool = false) throws -> SafeTensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError.io(path: url.path, detail: "cannot read it: \((error as NSError).localizedDescription)")
        }
        return try decode(data, path: url.path, allowNonFinite: allowNonFinite)
    }

    /// Parses safetensors bytes (`path` only names the source in errors).
    public static func decode(_ data: Data, path: String = "<memory>", allowNonFinite: Bool = false) throws -> SafeTensorsFile {
        let (header, dataStart) = try parseHeader(data, path: path)
        let metadata = try parseMetadata(header["__metadata__"], path: path)
        let dataSize = data.count - dataStart
        var entries = try header.filter { $0.key != "__metadata__" }.map { try parseEntry(key: $0.key, value: $0.value, dataSize: dataSize, path: path) }
        entries.sort { ($0.begin, $0.end, $0.key) < ($1.begin, $1.end, $1.key) }
        try checkLayout(entries, dataSize: dataSize, path: path)
        let checksums = try storedChecksums(metadata, path: path)
        var tensors: [(key: String, tensor: Tensor)] = []
        tensors.reserveCapacity(entries.count)
        try data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            for e in entries {
                if let expected = checksums[e.key] {
                    let actual = CRC32C.checksum(UnsafeRawBufferPointer(start: base + e.begin, count: e.end - e.begin))
                    guard actual == expected else { throw SafeTensorsError.checksumMismatch(path: path, key: e.key) }
                }
                let count = e.shape.reduce(1, *)
                let t = Tensor(shape: e.shape) { out in convert(base + e.begin, dtype: e.dtype, count: count, into: out) }
                if !allowNonFinite {
                    let bad = t.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                    guard bad == 0 else { throw SafeTensorsError.nonFinite(path: path, key: e.key, count: bad, total: count) }
                }
                tensors.append((e.key, t))
            }
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    /// One tensor's header entry, checked against its dtype's size and the data section.
    struct Entry { let key: String; let dtype: String; let shape: [Int]; let begin: Int; let end: Int }

    /// The JSON header object and where the data section starts.
    static func parseHeader(_ data: Data, path: String) throws -> (header: [String: Any], dataStart: Int) {
        guard data.count >= 8 else {
            throw SafeTensorsError.truncated(path: path, detail: "\(data.count) bytes, fewer than the 8-byte header length")
        }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= 100_000_000 else {
            throw SafeTensorsError.malformedHeader(path: path, detail: "header length \(n) bytes is implausible (limit 100 MB)")
        }
        guard 8 + Int(n) <= data.count else {
            throw SafeTensorsError.truncated(path: path, detail: "the header needs \(n) bytes but the file has \(data.count - 8) after the length")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard headerData.first == UInt8(ascii: "{") else {
            throw SafeTensorsError.malformedHeader(path: path, detail: "the header does not start with '{'")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw SafeTensorsError.malformedHeader(path: path, detail: "the header is not valid JSON (\((error as NSError).localizedDescription))")
        }
        guard let header = object as? [String: Any] else {
            throw SafeTensorsError.malformedHeader(path: path, detail: "the header is not a JSON object")
        }
        return (header, 8 + Int(n))
    }

    /// `__metadata__`: string values only.
    static func parseMetadata(_ value: Any?, path: String) throws -> [String: String] {
        guard let value else { return [:] }
        guard let dict = value as? [String: Any] else {
            throw SafeTensorsError.malformedHeader(path: path, detail: "__metadata__ is not an object")
        }
        var metadata: [String: String] = [:]
        for (k, v) in dict {
            guard let s = v as? String else {
                throw SafeTensorsError.malformedHeader(path: path, detail: "__metadata__ value for '\(k)' is not a string")
            }
            metadata[k] = s
        }
        return metadata
    }

    static func parseEntry(key: String, value: Any, dataSize: Int, path: String) throws -> Entry {
        guard let info = value as? [String: Any] else {
            throw SafeTensorsError.invalidTensor(path: path, key: key, detail: "entry is not an object")
        }
        guard let dtype = info["dtype"] as? String else {
            throw SafeTensorsError.invalidTensor(path: path, key: key, detail: "missing or non-string 'dtype'")
        }
        guard let shapeAny = info["shape"] as? [Any], let shape = intArray(shapeAny), shape.allSatisfy({ $0 >= 0 }) else {
            throw SafeTensorsError.invalidTensor(path: path, key: key, detail: "'shape' must be a list of non-negative integers")
        }
        guard let offAny = info["data_offsets"] as? [Any], let off = intArray(offAny), off.count == 2, off[0] >= 0, off[0] <= off[1] else {
            throw SafeTensorsError.invalidTensor(path: path, key: key, detail: "'data_offsets' must be [begin, end] with 0 <= begin <= end")
        }
        guard let size = elementSize(dtype) else {
            throw SafeTensorsError.unsupportedDType(path: path, key: key, dtype: dtype)
        }
        // A shape whose element or byte count overflows Int (e.g. [2^32, 2^32]) fits no file.
        guard let count = elementCount(shape), case let (bytes, false) = count.multipliedReportingOverflow(by: size) else {
            throw SafeTensorsError.invalidTensor(path: path, key: key, detail: "shape \(shape) has more elements than any file can hold")
        }
        guard off[1] - off[0] == bytes else {
            throw SafeTensorsError.invalidTensor(path: path, key: key, detail: "data_offsets span \(off[1] - off[0]) bytes but \(dtype) \(shape) needs \(bytes)")
        }
        guard off[1] <= dataSize else {
            throw SafeTensorsError.truncated(path: path, detail: "tensor '\(key)' ends at byte \(off[1]) of the data section, which has only \(dataSize) bytes")
        }
        return Entry(key: key, dtype: dtype, shape: shape, begin: off[0], end: off[1])
    }

    /// The sorted entries tile the data section exactly: no overlap, no gap, no trailing bytes.
    static func checkLayout(_ entries: [Entry], dataSize: Int, path: String) throws {
        var expected = 0
        for e in entries {
            guard e.begin == expected else {
                let what = e.begin < expected ? "overlaps the previous tensor" : "leaves a gap after the previous tensor"
                throw SafeTensorsError.invalidTensor(path: path, key: e.key, detail: "data at bytes \(e.begin)..<\(e.end) \(what) (ends at \(expected))")
            }
            expected = e.end
        }
        guard expected == dataSize else {
            throw SafeTensorsError.malformedHeader(path: path, detail: "the tensors cover \(expected) bytes but the data section has \(dataSize) (trailing bytes)")
        }
    }

    /// The per-tensor checksums of `checksumKey` (none for files other writers made).
    static func storedChecksums(_ metadata: [String: String], path: String) throws -> [String: UInt32] {
        guard let text = metadata[checksumKey] else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw SafeTensorsError.malformedHeader(path: path, detail: "__metadata__ '\(checksumKey)' is not a JSON object of checksums")
        }
        var out: [String: UInt32] = [:]
        for (k, v) in object {
            guard let hex = v as? String, hex.count == 8, let c = UInt32(hex, radix: 16) else {
                throw SafeTensorsError.malformedHeader(path: path, detail: "__metadata__ '\(checksumKey)' has no 8-digit checksum for '\(k)'")
            }
            out[k] = c
        }
        return out
    }

    /// The number of elements of `shape`; nil when it overflows Int.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = product
        }
        return n
    }

    static func intArray(_ a: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in a {
            guard let num = v as? NSNumber else { return nil }
            let d = num.doubleValue
            guard d == d.rounded(), Swift.abs(d) < 9e15 else { return nil }
            out.append(num.intValue)
        }
        return out
    }

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL": return 1
        default: return nil
        }
    }

    /// Little-endian values of `dtype` → float32.
    static func convert(_ src: UnsafeRawPointer, dtype: String, count: Int, into out: UnsafeMutableBufferPointer<Float>) {
        @inline(__always) func load<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
            T(littleEndian: src.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
        switch dtype {
        case "F32":
            #if _endian(little)
            UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: src, byteCount: count * 4)
            #else
            for i in 0..<count { out[i] = Float(bitPattern: load(i, UInt32.self)) }
            #endif
        case "F64": for i in 0..<count { out[i] = Float(Double(bitPattern: load(i, UInt64.self))) }
        case "F16": for i in 0..<count { out[i] = halfToFloat(load(i, UInt16.self)) }
        case "BF16": for i in 0..<count { out[i] = Float(bitPattern: UInt32(load(i, UInt16.self)) << 16) }
        case "I64": for i in 0..<count { out[i] = Float(load(i, Int64.self)) }
        case "U64": for i in 0..<count { out[i] = Float(load(i, UInt64.self)) }
        case "I32": for i in 0..<count { out[i] = Float(load(i, Int32.self)) }
        case "U32": for i in 0..<count { out[i] = Float(load(i, UInt32.self)) }
        case "I16": for i in 0..<count { out[i] = Float(load(i, Int16.self)) }
        case "U16": for i in 0..<count { out[i] = Float(load(i, UInt16.self)) }
        case "I8": for i in 0..<count { out[i] = Float(load(i, Int8.self)) }
        case "U8": for i in 0..<count { out[i] = Float(load(i, UInt8.self)) }
        case "BOOL": for i in 0..<count { out[i] = load(i, UInt8.self) != 0 ? 1 : 0 }
        default: break
        }
    }

    /// IEEE half → float (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            let v = Float(mant) * Float(sign: .plus, exponent: -24, significand: 1)   // subnormal or zero
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }
}

/// The contents of a safetensors file: tensors in file order, and the string metadata.
public struct SafeTensorsFile {
    public var tensors: [(key: String, tensor: Tensor)]
    public var metadata: [String: String]

    public init(tensors: [(key: String, tensor: Tensor)], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensors by key (for `Module.loadStateDict`).
    public var dictionary: [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (k, t) in tensors { d[k] = t }
        return d
    }

    public var keys: [String] { tensors.map(\.key) }

    public subscript(_ key: String) -> Tensor? { tensors.first { $0.key == key }?.tensor }
}
