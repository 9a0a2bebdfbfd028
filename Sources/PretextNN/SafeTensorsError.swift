/// Why a safetensors file could not be read or written, naming the file (and the tensor) and what to do.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case io(path: String, detail: String)
    case truncated(path: String, detail: String)
    case malformedHeader(path: String, detail: String)
    case invalidTensor(path: String, key: String, detail: String)
    case unsupportedDType(path: String, key: String, dtype: String)
    case checksumMismatch(path: String, key: String)
    case nonFinite(path: String, key: String, count: Int, total: Int)

    public var description: String {
        switch self {
        case let .io(path, detail):
            return "safetensors file '\(path)': \(detail)"
        case let .truncated(path, detail):
            return "safetensors file '\(path)' is truncated: \(detail) (an interrupted download or copy? fetch or write it again)"
        case let .malformedHeader(path, detail):
            return "safetensors file '\(path)' has a malformed header: \(detail) (is it a safetensors file?)"
        case let .invalidTensor(path, key, detail):
            return "safetensors file '\(path)', tensor '\(key)': \(detail)"
        case let .checksumMismatch(path, key):
            return "safetensors file '\(path)', tensor '\(key)': its bytes do not match the checksum stored when it was written — the file was damaged afterwards (disk or copy error); use another checkpoint (e.g. checkpoints/epoch-N) or a fresh copy"
        case let .nonFinite(path, key, count, total):
            return "safetensors file '\(path)', tensor '\(key)': \(count) of \(total) values are NaN or infinite — weights that diverged or a damaged file; use an earlier checkpoint, or retrain with a lower learning rate or train.clip_grad"
        case let .unsupportedDType(path, key, dtype):
            return "safetensors file '\(path)', tensor '\(key)': dtype \(dtype) is not supported (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL are read as float32)"
        }
    }
}
