import Foundation

/// A small self-contained SVG line plot (polylines, axes, ticks, labels, legend). The y axis is
/// logarithmic when the data span more than a decade and are all positive.
public struct LearningCurvePlot: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var color: String
        public var points: [(Double, Double)]
        public init(label: String, color: String, points: [(Double, Double)]) {
            self.label = label
            self.color = color
            self.points = points
        }
    }

    public var series: [Series]
    public var xLabel: String
    public var yLabel: String
    public var title: String
    public var width = 640.0
    public var height = 420.0

    public init(series: [Series], xLabel: String, yLabel: String, title: String) {
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.title = title
    }

    public func svg() -> String {
        let left = 78.0, right = 20.0, top = 36.0, bottom = 56.0
        let pw = width - left - right, ph = height - top - bottom
        let pts = series.flatMap { $0.points }.filter { $0.0.isFinite && $0.1.isFinite }
        var xmin = pts.map { $0.0 }.min() ?? 0, xmax = pts.map { $0.0 }.max() ?? 1
        if xmax <= xmin { xmax = xmin + 1 }
        let ys = pts.map { $0.1 }
        let logY = !ys.isEmpty && ys.allSatisfy { $0 > 0 } && (ys.max()! / ys.min()! > 10)
        func ty(_ y: Double) -> Double { logY ? log10(y) : y }
        var ymin = ys.map(ty).min() ?? 0, ymax = ys.map(ty).max() ?? 1
        if !logY { ymin = min(ymin, 0) }
        if ymax <= ymin { ymax = ymin + 1 }
        if logY { ymin = ymin.rounded(.down); ymax = ymax.rounded(.up) }
        if xmin == xmax { xmin -= 1 }
        func px(_ x: Double) -> Double { left + (x - xmin) / (xmax - xmin) * pw }
        func py(_ y: Double) -> Double { top + ph - (ty(y) - ymin) / (ymax - ymin) * ph }
        func pyRaw(_ t: Double) -> Double { top + ph - (t - ymin) / (ymax - ymin) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left + pw / 2))" y="22" text-anchor="middle" font-size="15">\(esc(title))</text>
        <rect x="\(f(left))" y="\(f(top))" width="\(f(pw))" height="\(f(ph))" fill="none" stroke="#333"/>

        """
        // x ticks.
        let xt = niceTicks(xmin, xmax, count: 6)
        for t in xt {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + ph))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph + 5))\" stroke=\"#333\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(tickLabel(t))</text>\n"
        }
        // y ticks (decades on a log axis).
        let yt: [Double] = logY ? Array(stride(from: ymin, through: ymax, by: 1)) : niceTicks(ymin, ymax, count: 6)
        for t in yt {
            let y = pyRaw(t)
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            let label = logY ? "1e\(Int(t))" : tickLabel(t)
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        s += "<text x=\"18\" y=\"\(f(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + ph / 2)))\">\(esc(yLabel + (logY ? ", log scale" : "")))</text>\n"
        for (k, ser) in series.enumerated() {
            let valid = ser.points.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
            let coords = valid.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"2\" points=\"\(coords)\"/>\n"
            let ly = top + 14 + Double(k) * 16
            s += "<line x1=\"\(f(left + pw - 170))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + pw - 150))\" y2=\"\(f(ly - 4))\" stroke=\"\(ser.color)\" stroke-width=\"2\"/>"
            s += "<text x=\"\(f(left + pw - 145))\" y=\"\(f(ly))\">\(esc(ser.label))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}

/// Round tick values (1, 2, 5 × 10ᵏ steps) covering [lo, hi].
func niceTicks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
    let span = hi - lo
    guard span > 0, span.isFinite else { return [lo] }
    let raw = span / Double(max(1, count))
    let mag = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    var ticks: [Double] = []
    var t = (lo / step).rounded(.up) * step
    while t <= hi + 1e-9 * step { ticks.append(t); t += step }
    return ticks
}

func tickLabel(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
    return String(format: "%g", v)
}
