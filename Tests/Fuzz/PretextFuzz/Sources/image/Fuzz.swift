import Pretext

/// PNG and JPEG bytes through `ImageDecoder.decode(data:)` (the format is sniffed from the first
/// bytes, as for files). Any input must give an image or a thrown `DataError`, never a trap; a decoded
/// image must have the size it claims.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    do {
        let image = try ImageDecoder.decode(data: bytes, name: "fuzz-input")
        precondition(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height * 3)
    } catch is DataError {
    } catch {
        fatalError("ImageDecoder threw a non-DataError: \(error)")
    }
    return 0
}
