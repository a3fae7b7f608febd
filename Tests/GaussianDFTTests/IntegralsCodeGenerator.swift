import Foundation
@testable import GaussianDFT
import Testing

/// Generates Sources/GaussianDFT/Integrals/ERIKernels.generated.swift: the VRR recipes of
/// `VRRRecipe` (ERIRecipes.swift) written out as straight-line Swift, so the compiler can keep
/// intermediates in registers. Classes: every l ≤ 3 (and the group classes below) whose program has at most
/// `maxStatements` statements (the largest ones, e.g. (dd|dd), (ff|ff), stay interpreted:
/// Swift's type checker is superlinear in the number of locals of one function). Each step is
/// a call of a tiny inlined helper (v2…v5) rather than an operator expression, which keeps
/// type checking fast. Run only when regenerating:
///   CHEMFLOW_GENERATE_ERI_KERNELS=1 swift test --filter IntegralsCodeGenerator
/// The interpreted recipes remain the reference (IntegralsKernelTests checks both agree).
struct IntegralsCodeGenerator {
    static let enabled = ProcessInfo.processInfo.environment["CHEMFLOW_GENERATE_ERI_KERNELS"] != nil

    /// Canonical classes (bra total ≥ ket total, ties by la) with every l ≤ maxL.
    static func classes(maxL: Int) -> [(Int, Int, Int, Int)] {
        var out: [(Int, Int, Int, Int)] = []
        for la in 0...maxL { for lb in 0...la { for lc in 0...maxL { for ld in 0...lc {
            if lc + ld > la + lb || (lc + ld == la + lb && lc > la) { continue }
            out.append((la, lb, lc, ld))
        } } } }
        return out
    }

    /// Classes for group quartets (ERIGroupQuartets.swift): a pair of an sp group with an s,
    /// p or sp group runs one VRR from e = 0, i.e. the non-canonical pairs (0, 1) and (0, 2),
    /// against any pair with l ≤ maxL (bra total ≥ ket total, both orders on ties).
    static func groupClasses(maxL: Int, groupPairs: [(Int, Int)] = [(0, 1), (0, 2)]) -> [(Int, Int, Int, Int)] {
        var pairs = groupPairs
        for la in 0...maxL { for lb in 0...la { pairs.append((la, lb)) } }
        var out: [(Int, Int, Int, Int)] = []
        for bra in pairs {
            for ket in pairs where bra.0 + bra.1 >= ket.0 + ket.1 {
                let isGroup = { (p: (Int, Int)) in groupPairs.contains { $0 == p } }
                if isGroup(bra) || isGroup(ket) { out.append((bra.0, bra.1, ket.0, ket.1)) }
            }
        }
        return out
    }

    /// The recipe as straight-line statements: the coefficient and Boys loads it needs (names
    /// with their index in `c` / `f`), the helper-call steps, and the slot of each output.
    static func statements(_ r: VRRRecipe) -> (loads: [(name: String, source: String)], steps: [String], outputs: [String]) {
        var body: [String] = []
        var used = Set<String>()
        func slot(_ s: Int32) -> String {
            if s >= 1 && Int(s) <= r.L + 1 { used.insert("f\(s - 1)"); return "f\(s - 1)" }
            return "t\(s)"
        }
        func dirName(_ prefix: String, _ c: UInt8, base: Int) -> String {
            let n = "\(prefix)\(["x", "y", "z"][Int(c) - base])"
            used.insert(n)
            return n
        }
        func nTerm(_ cIndex: UInt8, base: Int) -> Int { Int(cIndex) - base }
        for op in r.braOps {
            var e = "\(dirName("pa", op.c0, base: VRRCoefficients.pa)) * \(slot(op.s0)) + \(dirName("wp", op.c1, base: VRRCoefficients.wp)) * \(slot(op.s1))"
            if op.c2 != 0 {
                let n = nTerm(op.c2, base: VRRCoefficients.nOver2p)
                used.insert("o2p"); used.insert("o2pr")
                let inner = "(o2p * \(slot(op.s2)) - o2pr * \(slot(op.s3)))"
                e += n == 1 ? " + \(inner)" : " + \(n).0 * \(inner)"
            }
            body.append("    let t\(op.dst) = \(e)")
        }
        for op in r.ketOps {
            var e = "\(dirName("qc", op.c0, base: VRRCoefficients.qc)) * \(slot(op.s0)) + \(dirName("wq", op.c1, base: VRRCoefficients.wq)) * \(slot(op.s1))"
            if op.c2 != 0 {
                let n = nTerm(op.c2, base: VRRCoefficients.nOver2q)
                used.insert("o2q"); used.insert("o2qr")
                let inner = "(o2q * \(slot(op.s2)) - o2qr * \(slot(op.s3)))"
                e += n == 1 ? " + \(inner)" : " + \(n).0 * \(inner)"
            }
            if op.c4 != 0 {
                let n = nTerm(op.c4, base: VRRCoefficients.nOver2pq)
                used.insert("o2pq")
                e += n == 1 ? " + o2pq * \(slot(op.s4))" : " + \(n).0 * o2pq * \(slot(op.s4))"
            }
            body.append("    let t\(op.dst) = \(e)")
        }
        let outputs = r.outputs.map { slot($0) }
        var loads: [(name: String, source: String)] = []
        let coefficientNames: [(String, Int)] = [
            ("pax", 1), ("pay", 2), ("paz", 3), ("wpx", 4), ("wpy", 5), ("wpz", 6),
            ("qcx", 7), ("qcy", 8), ("qcz", 9), ("wqx", 10), ("wqy", 11), ("wqz", 12),
            ("o2p", GeneratedVRR.o2p), ("o2pr", GeneratedVRR.o2pr), ("o2q", GeneratedVRR.o2q),
            ("o2qr", GeneratedVRR.o2qr), ("o2pq", GeneratedVRR.o2pq),
        ]
        for (n, i) in coefficientNames where used.contains(n) { loads.append((n, "c[\(i)]")) }
        for m in 0...r.L where used.contains("f\(m)") { loads.append(("f\(m)", "f[\(m)]")) }
        return (loads, body.map(helperForm), outputs)
    }

    static func kernelSource(_ r: VRRRecipe) -> String {
        let (loads, steps, outputs) = statements(r)
        let lines = loads.map { "    let \($0.name) = \($0.source)" } + steps
            + outputs.enumerated().map { "    acc[\($0.offset)] += \($0.element)" }
        return """
            /// (\(r.la)\(r.lb)|\(r.lc)\(r.ld)): \(r.braOps.count) bra + \(r.ketOps.count) ket VRR steps, \(r.outputs.count) outputs.
            @inline(never)
            func eriVRR_\(r.la)\(r.lb)\(r.lc)\(r.ld)(_ c: UnsafePointer<Double>, _ f: UnsafePointer<Double>, _ acc: UnsafeMutablePointer<Double>) {
            \(lines.joined(separator: "\n"))
            }

            """
    }

    /// The four-lane version (ERIKernelsSIMD.generated.swift): the same steps on SIMD4 values,
    /// one primitive quartet per lane; outputs are stored, not accumulated.
    static func simdKernelSource(_ r: VRRRecipe) -> String {
        let (loads, steps, outputs) = statements(r)
        let lines = loads.map { "    let \($0.name) = \($0.source)" }
            + steps.map { $0.replacingOccurrences(of: " = v", with: " = w") }
            + outputs.enumerated().map { "    out[\($0.offset)] = \($0.element)" }
        return """
            /// (\(r.la)\(r.lb)|\(r.lc)\(r.ld)), four primitive quartets at once.
            @inline(never)
            func eriVRR4_\(r.la)\(r.lb)\(r.lc)\(r.ld)(_ c: UnsafePointer<SIMD4<Double>>, _ f: UnsafePointer<SIMD4<Double>>, _ out: UnsafeMutablePointer<SIMD4<Double>>) {
            \(lines.joined(separator: "\n"))
            }

            """
    }

    static let maxStatements = 1500

    /// Rewrites "let tN = a * x + b * y [+ n * (c * z - d * w)] [+ e * g * u]" as a helper call.
    static func helperForm(_ line: String) -> String {
        guard line.hasPrefix("    let t"), let eq = line.range(of: " = ") else { return line }
        let lhs = String(line[..<eq.upperBound])
        var rest = Substring(line[eq.upperBound...])
        func token() -> String {
            let t = rest.prefix { $0.isLetter || $0.isNumber || $0 == "." }
            rest = rest.dropFirst(t.count)
            return String(t)
        }
        func expect(_ s: String) { precondition(rest.hasPrefix(s), "unexpected '\(rest)'"); rest = rest.dropFirst(s.count) }
        let a = token(); expect(" * "); let x = token(); expect(" + "); let b = token(); expect(" * "); let y = token()
        var bra: [String]? = nil, cross: [String]? = nil
        if rest.hasPrefix(" + ") && !rest.hasPrefix(" + o2pq") && !rest.dropFirst(3).drop(while: { $0.isNumber || $0 == "." }).hasPrefix(" * o2pq") {
            expect(" + ")
            var n = "1"
            if rest.first!.isNumber { n = token(); expect(" * ") }
            expect("("); let c = token(); expect(" * "); let z = token(); expect(" - "); let d = token(); expect(" * "); let w = token(); expect(")")
            bra = [n.replacingOccurrences(of: ".0", with: ""), c, z, d, w]
        }
        if rest.hasPrefix(" + ") {
            expect(" + ")
            var e = "1"
            if rest.first!.isNumber { e = token(); expect(" * ") }
            let g = token(); expect(" * "); let u = token()
            cross = [e.replacingOccurrences(of: ".0", with: ""), g, u]
        }
        precondition(rest.isEmpty, "unparsed '\(rest)'")
        var args = [a, x, b, y]
        let name: String
        switch (bra, cross) {
        case (nil, nil): name = "v2"
        case (let br?, nil): name = "v4"; args += br
        case (nil, let cr?): name = "v3"; args += cr
        case (let br?, let cr?): name = "v5"; args += br + cr
        }
        return lhs + name + "(" + args.joined(separator: ", ") + ")"
    }

    @Test(.enabled(if: enabled)) func generate() throws {
        let classes = (Self.classes(maxL: 3) + Self.groupClasses(maxL: 3)).filter { c in
            let r = VRRRecipe(la: c.0, lb: c.1, lc: c.2, ld: c.3)
            return r.braOps.count + r.ketOps.count + r.outputs.count <= Self.maxStatements
        }
        var src = """
            // GENERATED by Tests/GaussianDFTTests/IntegralsCodeGenerator.swift — do not edit.
            // Straight-line versions of the VRR recipes (ERIRecipes.swift); see the generator for
            // which classes. c: coefficient table (GeneratedVRR layout), f: pref·F_m(T),
            // acc: contracted outputs (accumulated).

            // swiftlint:disable all

            // Fused multiply-adds (Swift does not contract a·b + c by itself).
            @inline(__always) func v2(_ a: Double, _ x: Double, _ b: Double, _ y: Double) -> Double {
                (a * x).addingProduct(b, y)
            }
            @inline(__always) func v3(_ a: Double, _ x: Double, _ b: Double, _ y: Double,
                                      _ e: Double, _ g: Double, _ u: Double) -> Double {
                (a * x).addingProduct(b, y).addingProduct(e * g, u)
            }
            @inline(__always) func v4(_ a: Double, _ x: Double, _ b: Double, _ y: Double,
                                      _ n: Double, _ c: Double, _ z: Double, _ d: Double, _ w: Double) -> Double {
                (a * x).addingProduct(b, y).addingProduct(n, (c * z).addingProduct(-d, w))
            }
            @inline(__always) func v5(_ a: Double, _ x: Double, _ b: Double, _ y: Double,
                                      _ n: Double, _ c: Double, _ z: Double, _ d: Double, _ w: Double,
                                      _ e: Double, _ g: Double, _ u: Double) -> Double {
                (a * x).addingProduct(b, y).addingProduct(n, (c * z).addingProduct(-d, w)).addingProduct(e * g, u)
            }

            """
        src += Self.kernels(classes, source: Self.kernelSource, table: "generatedVRRKernels: [Int: GeneratedVRR.Kernel]",
                            prefix: "eriVRR_")
        try write(src, to: "ERIKernels.generated.swift")

        // Four-lane kernels for the group-quartet classes (ERIGroupQuartets.swift), and for every
        // class with l ≤ 2 (single-shell groups) and with the pair (1, 2), e = 1…3 (the component
        // classes of derivative-basis groups, ERIEngine.laneComponentQuartets).
        let simdClasses = (Self.groupClasses(maxL: 2, groupPairs: [(0, 1), (0, 2), (1, 2)]) + Self.classes(maxL: 2)).filter { c in
            let r = VRRRecipe(la: c.0, lb: c.1, lc: c.2, ld: c.3)
            return r.braOps.count + r.ketOps.count + r.outputs.count <= Self.maxStatements
        }
        var simd = """
            // GENERATED by Tests/GaussianDFTTests/IntegralsCodeGenerator.swift — do not edit.
            // Four-lane versions of the VRR recipes (ERIRecipes.swift) for the group-quartet
            // classes: lane k of every argument belongs to primitive quartet k. c: coefficient
            // table (GeneratedVRR layout), f: pref·F_m(T), out: [e0|f0] (stored).

            // swiftlint:disable all

            typealias V4 = SIMD4<Double>
            @inline(__always) func w2(_ a: V4, _ x: V4, _ b: V4, _ y: V4) -> V4 { (a * x).addingProduct(b, y) }
            @inline(__always) func w3(_ a: V4, _ x: V4, _ b: V4, _ y: V4,
                                      _ e: Double, _ g: V4, _ u: V4) -> V4 {
                (a * x).addingProduct(b, y).addingProduct(e * g, u)
            }
            @inline(__always) func w4(_ a: V4, _ x: V4, _ b: V4, _ y: V4,
                                      _ n: Double, _ c: V4, _ z: V4, _ d: V4, _ w: V4) -> V4 {
                (a * x).addingProduct(b, y).addingProduct(n, (c * z).addingProduct(-d, w))
            }
            @inline(__always) func w5(_ a: V4, _ x: V4, _ b: V4, _ y: V4,
                                      _ n: Double, _ c: V4, _ z: V4, _ d: V4, _ w: V4,
                                      _ e: Double, _ g: V4, _ u: V4) -> V4 {
                (a * x).addingProduct(b, y).addingProduct(n, (c * z).addingProduct(-d, w)).addingProduct(e * g, u)
            }

            """
        simd += Self.kernels(simdClasses, source: Self.simdKernelSource,
                             table: "generatedVRRKernels4: [Int: GeneratedVRR.Kernel4]", prefix: "eriVRR4_")
        try write(simd, to: "ERIKernelsSIMD.generated.swift")
    }

    /// The kernels of `classes` followed by the table `let <table> = [key: kernel, …]`.
    private static func kernels(_ classes: [(Int, Int, Int, Int)], source: (VRRRecipe) -> String,
                                table: String, prefix: String) -> String {
        var src = ""
        for (la, lb, lc, ld) in classes { src += source(VRRRecipe(la: la, lb: lb, lc: lc, ld: ld)) }
        src += "\nlet \(table) = [\n"
        for (la, lb, lc, ld) in classes {
            src += "    \(GeneratedVRR.key(la, lb, lc, ld)): \(prefix)\(la)\(lb)\(lc)\(ld),\n"
        }
        return src + "]\n"
    }

    private func write(_ source: String, to name: String) throws {
        let here = URL(fileURLWithPath: #filePath)
        let target = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/GaussianDFT/Integrals/\(name)")
        try source.write(to: target, atomically: true, encoding: .utf8)
        print("wrote \(target.path)")
    }
}
