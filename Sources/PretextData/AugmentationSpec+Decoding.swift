import Foundation

extension AugmentationSpec {
    /// The steps of a custom chain from a parsed config list (`views.augmentations`): maps whose keys
    /// may be snake_case or camelCase. Wrong types name the step and key (`augmentations[1].scale`).
    public static func chain(from value: Any) throws -> [AugmentationSpec] {
        let normalized = camelCaseKeys(value)
        guard JSONSerialization.isValidJSONObject(normalized),
              let data = try? JSONSerialization.data(withJSONObject: normalized) else {
            throw DataError.invalidConfig(key: "augmentations", reason: "must be a list of maps of numbers, strings, booleans or lists of them")
        }
        do {
            return try JSONDecoder().decode([AugmentationSpec].self, from: data)
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw DataError.invalidConfig(key: path(ctx), reason: "expected \(type == Interpolation.self ? "bilinear or bicubic" : "\(type)")")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw DataError.invalidConfig(key: path(ctx) + "." + key.stringValue, reason: "missing (ops: \(ops.joined(separator: ", ")))")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw DataError.invalidConfig(key: path(ctx), reason: ctx.debugDescription)
        } catch {
            throw DataError.invalidConfig(key: "augmentations", reason: "\(error)")
        }
    }

    static func camelCase(_ key: String) -> String {
        guard key.contains("_") else { return key }
        let parts = key.split(separator: "_")
        return parts.enumerated().map { i, p in i == 0 ? String(p) : p.prefix(1).uppercased() + p.dropFirst() }.joined()
    }

    /// snake_case → camelCase keys inside nested dictionaries and lists.
    static func camelCaseKeys(_ v: Any) -> Any {
        if let d = v as? [String: Any] {
            return Dictionary(uniqueKeysWithValues: d.map { (camelCase($0.key), camelCaseKeys($0.value)) })
        }
        if let a = v as? [Any] { return a.map(camelCaseKeys) }
        return v
    }

    static func path(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return "augmentations" + (p.isEmpty ? "" : (p.hasPrefix("[") ? "" : ".") + p.replacingOccurrences(of: ".[", with: "["))
    }

    /// The closest of `candidates` to `key` by edit distance, if close enough to be a typo.
    static func closest(to key: String, in candidates: [String]) -> String? {
        func distance(_ s: String, _ t: String) -> Int {
            let a = Array(s.lowercased()), b = Array(t.lowercased())
            if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
            var prev = Array(0...b.count)
            for i in 1...a.count {
                var cur = [Int](repeating: 0, count: b.count + 1)
                cur[0] = i
                for j in 1...b.count {
                    cur[j] = min(min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            return prev[b.count]
        }
        guard let best = candidates.min(by: { distance(key, $0) < distance(key, $1) }),
              distance(key, best) <= max(2, key.count / 3) else { return nil }
        return best
    }
}
