internal import CKernels

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of TFRecord framing, of the
/// per-tensor checksums Pretext stores in safetensors files, and of recorded plugin files; and the
/// "masked" form TensorFlow stores so that a CRC of data containing CRCs stays well distributed.
/// Computed by the SSE4.2 instruction where the CPU has it (`pretext_crc32c_update`).
public enum CRC32C {
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        let array = Array(bytes)
        return array.withUnsafeBytes { checksum($0) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return pretext_crc32c_update(crc, base, bytes.count)
    }

    /// TensorFlow's mask: rotate right by 15 bits and add a constant.
    public static func masked<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        let c = checksum(bytes)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }
}
