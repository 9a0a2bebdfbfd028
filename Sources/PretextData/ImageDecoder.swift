internal import CImageCodec

/// Decodes PNG and JPEG files into 8-bit RGB `Image`s through the C shim (libpng, libjpeg-turbo).
///
/// The pixels are those of Pillow's `Image.open(f).convert("RGB")` (torchvision's ImageFolder loader),
/// checked exactly against Pillow in the tests for gray, gray+alpha, RGB(A), palette (+tRNS), 1/2/4-bit,
/// 16-bit, interlaced PNG and baseline/progressive/gray/CMYK JPEG:
/// alpha is dropped (not blended), gray is replicated, 16-bit RGB keeps the high byte and 16-bit gray is
/// clipped to 255 as Pillow does. The format is detected from the file's first bytes, not its extension.
/// Errors are `DataError`s that name the file; the C side never exits or aborts.
public enum ImageDecoder {
    /// Decodes the image file at `path`.
    public static func decode(file path: String) throws -> Image {
        var img = pxc_image()
        let status = pxc_decode_file(FileNameBytes.cString(path), &img)
        defer { pxc_image_free(&img) }
        return try finish(status, &img, path: path)
    }

    /// Decodes PNG or JPEG bytes; `name` is used in error messages.
    public static func decode(data: [UInt8], name: String = "<memory>") throws -> Image {
        var img = pxc_image()
        let status = data.withUnsafeBufferPointer { buf in
            pxc_decode_memory(buf.baseAddress, buf.count, &img)
        }
        defer { pxc_image_free(&img) }
        return try finish(status, &img, path: name)
    }

    private static func finish(_ status: Int32, _ img: inout pxc_image, path: String) throws -> Image {
        let message = withUnsafeBytes(of: &img.message) { raw -> String in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
        switch Int(status) {
        case Int(PXC_OK.rawValue):
            guard let p = img.pixels, img.width > 0, img.height > 0 else {
                throw DataError.corruptImage(path: path, reason: "decoder returned no pixels")
            }
            let n = Int(img.width) * Int(img.height) * 3
            let pixels = [UInt8](UnsafeBufferPointer(start: p, count: n))
            return Image(uncheckedWidth: Int(img.width), height: Int(img.height), pixels: pixels)
        case Int(PXC_ERR_IO.rawValue):
            if message.contains("No such file") { throw DataError.fileNotFound(path: path) }
            throw DataError.unreadableFile(path: path, reason: message)
        case Int(PXC_ERR_FORMAT.rawValue):
            throw DataError.notAnImage(path: path, reason: message)
        case Int(PXC_ERR_UNSUPPORTED.rawValue):
            throw DataError.unsupportedImage(path: path, reason: message)
        case Int(PXC_ERR_TRUNCATED.rawValue):
            throw DataError.truncatedImage(path: path)
        case Int(PXC_ERR_TOO_LARGE.rawValue):
            throw DataError.imageTooLarge(path: path, reason: message)
        default:
            throw DataError.corruptImage(path: path, reason: message.isEmpty ? "decoder status \(status)" : message)
        }
    }
}
