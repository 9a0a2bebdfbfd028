/// File names that are not valid UTF-8 (Linux allows any bytes but `/` and NUL) carried in a Swift
/// `String`, which can only hold valid Unicode: each byte that is not part of valid UTF-8 becomes the
/// private-use scalar U+10FF00 + byte (the idea of Python's `surrogateescape`), so the name round-trips
/// to the exact bytes when the file is opened, and prints as `\xNN`. Valid names are unchanged.
public enum FileNameBytes {
    static let escapeBase: UInt32 = 0x10FF00

    /// The name of raw directory-entry bytes: valid UTF-8 as is, other bytes escaped.
    public static func name(_ bytes: some Collection<UInt8>) -> String {
        let raw = Array(bytes)
        if let valid = String(validating: raw, as: UTF8.self) { return valid }
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < raw.count {
            let length = validSequenceLength(raw, at: i)
            if length > 0 {
                scalars.append(contentsOf: String(decoding: raw[i..<i + length], as: UTF8.self).unicodeScalars)
                i += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(raw[i]))!)
                i += 1
            }
        }
        return String(scalars)
    }

    /// The bytes to give the operating system for a path made of such names (NUL-terminated).
    public static func cString(_ path: String) -> [CChar] {
        var out: [CChar] = []
        out.reserveCapacity(path.utf8.count + 1)
        for s in path.unicodeScalars {
            if s.value >= escapeBase && s.value <= escapeBase + 0xFF {
                out.append(CChar(bitPattern: UInt8(s.value - escapeBase)))
            } else {
                out.append(contentsOf: String(s).utf8.map { CChar(bitPattern: $0) })
            }
        }
        out.append(0)
        return out
    }

    /// The path for messages: escaped bytes shown as `\xNN`.
    public static func display(_ path: String) -> String {
        var out = ""
        for s in path.unicodeScalars {
            if s.value >= escapeBase && s.value <= escapeBase + 0xFF {
                let hex = String(s.value - escapeBase, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none.
    static func validSequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let lead = b[i]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard i + length <= b.count else { return 0 }
        return String(validating: b[i..<i + length], as: UTF8.self) == nil ? 0 : length
    }
}
