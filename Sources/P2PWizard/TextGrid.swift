// The wizard's output: a grid of styled character cells at exactly cols x rows.
// The view fills it; the ncurses adapter only copies it to the screen, and golden tests compare it.

/// Meaning of a cell's look. The adapter maps these to colour pairs or attributes; without colour the
/// symbols next to them still carry the meaning.
public enum CellStyle: UInt8, Sendable, Equatable, CaseIterable {
    case normal, bold, dim, pass, warn, fail, highlight
}

public struct Cell: Sendable, Equatable {
    public var char: Character
    public var style: CellStyle
    public init(_ char: Character, _ style: CellStyle = .normal) {
        self.char = char
        self.style = style
    }
}

public struct TextGrid: Sendable, Equatable {
    public let cols: Int
    public let rows: Int
    public private(set) var cells: [[Cell]]

    public init(cols: Int, rows: Int) {
        self.cols = max(0, cols)
        self.rows = max(0, rows)
        cells = Array(repeating: Array(repeating: Cell(" "), count: self.cols), count: self.rows)
    }

    /// Writes `text` from (row, col), clipped at the right edge. Returns the column after the text.
    @discardableResult
    public mutating func put(_ text: String, row: Int, col: Int, style: CellStyle = .normal) -> Int {
        guard row >= 0, row < rows else { return col }
        var c = col
        for ch in text {
            if c >= cols { break }
            if c >= 0 { cells[row][c] = Cell(ch == "\t" ? " " : ch, style) }
            c += 1
        }
        return c
    }

    /// Paints the style of a row span without changing characters.
    public mutating func paint(row: Int, from: Int, to: Int, style: CellStyle) {
        guard row >= 0, row < rows else { return }
        for c in max(0, from)..<min(cols, max(from, to)) { cells[row][c].style = style }
    }

    public mutating func fill(row: Int, from: Int = 0, to: Int? = nil, char: Character = " ", style: CellStyle = .normal) {
        guard row >= 0, row < rows else { return }
        for c in max(0, from)..<min(cols, max(from, to ?? cols)) { cells[row][c] = Cell(char, style) }
    }

    /// The characters only, one line per row (trailing spaces kept, so the width is visible).
    public var plainText: String {
        cells.map { String($0.map(\.char)) }.joined(separator: "\n")
    }

    /// A readable dump for golden files: each row of text, then a row of style codes under it
    /// (`.` normal, `B` bold, `d` dim, `P` pass, `W` warn, `F` fail, `H` highlight).
    public var goldenText: String {
        var out = "grid \(cols)x\(rows)\n"
        for row in cells {
            out += "|" + String(row.map(\.char)) + "|\n"
            out += " " + String(row.map { Self.code($0.style) }) + "\n"
        }
        return out
    }

    static func code(_ s: CellStyle) -> Character {
        switch s {
        case .normal: return "."
        case .bold: return "B"
        case .dim: return "d"
        case .pass: return "P"
        case .warn: return "W"
        case .fail: return "F"
        case .highlight: return "H"
        }
    }
}

/// Greedy word wrap to `width` columns; words longer than a line are cut.
public func wordWrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
            var w = String(word)
            while w.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(w.prefix(width)))
                w = String(w.dropFirst(width))
            }
            if line.isEmpty {
                line = w
            } else if line.count + 1 + w.count <= width {
                line += " " + w
            } else {
                lines.append(line)
                line = w
            }
        }
        lines.append(line)
    }
    return lines
}

/// Replaces the non-ASCII characters the wizard uses by ASCII look-alikes, for terminals whose
/// locale is not UTF-8 (anything else becomes `?`).
public func asciiFold(_ text: String) -> String {
    if text.allSatisfy(\.isASCII) { return text }
    var out = ""
    for ch in text {
        if ch.isASCII { out.append(ch); continue }
        switch ch {
        case "—", "–": out += "-"
        case "…": out += "..."
        case "→": out += "->"
        case "←": out += "<-"
        case "↑": out += "^"
        case "↓": out += "v"
        case "·", "•": out += "*"
        case "✔": out += "[PASS]"
        case "⚠": out += "[WARN]"
        case "✘": out += "[FAIL]"
        case "“", "”": out += "\""
        case "‘", "’": out += "'"
        case "≠": out += "!="
        case "×": out += "x"
        default: out += "?"
        }
    }
    return out
}
