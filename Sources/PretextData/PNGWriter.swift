internal import CImageCodec

/// Encodes 8-bit RGB / RGBA / gray images as PNG (libpng through the C shim). Used for plots, saved
/// views and MAE reconstructions. Files are written atomically (temporary file, then rename).
public enum PNGWriter {
    /// Writes `image` (RGB) to `path`. `compression` is zlib's level 0…9 (default 6).
    public static func write(_ image: Image, to path: String, compression: Int = 6) throws {
        try write(pixels: image.pixels, width: image.width, height: image.height, channels: 3, to: path,
                  compression: compression)
    }

    /// Writes raw 8-bit pixels (`channels` 1 gray, 3 RGB or 4 RGBA, rows of `width * channels` bytes).
    public static func write(pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String,
                             compression: Int = 6) throws {
        try check(pixels: pixels, width: width, height: height, channels: channels)
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { buf in
            pxc_encode_png_file(path, buf.baseAddress, Int32(width), Int32(height), Int32(channels),
                                Int32(compression), &message, message.count)
        }
        if status != PXC_OK.rawValue {
            throw DataError.writeFailed(path: path, reason: String(cString: message))
        }
    }

    /// The PNG bytes of `image` (RGB).
    public static func encode(_ image: Image, compression: Int = 6) throws -> [UInt8] {
        try encode(pixels: image.pixels, width: image.width, height: image.height, channels: 3, compression: compression)
    }

    /// The PNG bytes of raw 8-bit pixels (`channels` 1, 3 or 4).
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, compression: Int = 6) throws -> [UInt8] {
        try check(pixels: pixels, width: width, height: height, channels: channels)
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { buf in
            pxc_encode_png_memory(buf.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(compression),
                                  &out, &size, &message, message.count)
        }
        defer { pxc_free(out) }
        guard status == PXC_OK.rawValue, let p = out else {
            throw DataError.writeFailed(path: "<memory>", reason: String(cString: message))
        }
        return [UInt8](UnsafeBufferPointer(start: p, count: size))
    }

    private static func check(pixels: [UInt8], width: Int, height: Int, channels: Int) throws {
        guard [1, 3, 4].contains(channels) else {
            throw DataError.invalidArgument(name: "PNGWriter", detail: "channels must be 1, 3 or 4, got \(channels)")
        }
        guard width > 0, height > 0, pixels.count == width * height * channels else {
            throw DataError.invalidArgument(
                name: "PNGWriter", detail: "\(pixels.count) bytes for \(width)x\(height)x\(channels)")
        }
    }
}
