/// Help text as the terminal should show it. Discussions are written in the source as short lines;
/// swift-argument-parser keeps every newline and wraps each line again at 80 columns, which left
/// ragged half-lines. `reflow` joins a paragraph's lines into one (the parser wraps it cleanly) and
/// keeps indented lines (examples) as they are, breaking long ones into `\`-continued shell lines so
/// they still paste as one command.
enum HelpText {
    /// Column an example line is broken before (the parser wraps at 80).
    static let exampleWidth = 78

    static func reflow(_ text: String) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        func flush() {
            if !paragraph.isEmpty { out.append(paragraph.joined(separator: " ")); paragraph = [] }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.isEmpty {
                flush(); out.append("")
            } else if line.hasPrefix(" ") {
                flush(); out.append(contentsOf: breakExample(line))
            } else if line.hasSuffix(":") && !line.contains(" ") {
                flush(); out.append(line)            // "Examples:" heads the indented lines that follow
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// An indented example longer than `exampleWidth`, split at spaces into `\`-continued lines
    /// indented 4 more than the first.
    static func breakExample(_ line: String) -> [String] {
        guard line.count > exampleWidth else { return [line] }
        let indent = String(line.prefix { $0 == " " })
        let words = line.dropFirst(indent.count).split(separator: " ").map(String.init)
        var lines: [String] = []
        var current = indent
        for word in words {
            let candidate = current.allSatisfy({ $0 == " " }) ? current + word : current + " " + word
            if candidate.count + 2 > exampleWidth && !current.allSatisfy({ $0 == " " }) {
                lines.append(current + " \\")
                current = indent + "    " + word
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines
    }
}
