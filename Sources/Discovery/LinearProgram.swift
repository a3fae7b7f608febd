/// Linear programs in standard form, solved with the simplex method:
///
///     minimise cᵀλ   subject to   A λ = b,  λ ≥ 0     (A: m × n, b ≥ 0).
///
/// Dense tableau, two phases (phase 1 minimises the sum of m artificial variables to find a
/// feasible basis unless the caller supplies one), Bland's rule (lowest-index entering and leaving
/// variable) so degenerate problems — collinear or duplicate hull points — cannot cycle
/// (Bland, Math. Oper. Res. 2, 103 (1977)). After the last pivot the basic solution is recomputed
/// from the original A and b by Gaussian elimination with partial pivoting, so round-off from the
/// pivots does not accumulate into the answer.
///
/// Problems here are small (m = number of elements ≤ ~6, n = number of entries), which is why a
/// dense tableau is the right tool: O(m·n) per pivot and a handful of pivots.
public struct LinearProgram: Sendable {
    public var objective: [Double]
    /// Constraint rows: `constraints[i][j]` = A_ij.
    public var constraints: [[Double]]
    public var rightHandSide: [Double]

    public init(objective: [Double], constraints: [[Double]], rightHandSide: [Double]) {
        self.objective = objective
        self.constraints = constraints
        self.rightHandSide = rightHandSide
    }

    public struct Solution: Sendable, Equatable {
        /// The optimal λ (length n).
        public var variables: [Double]
        /// cᵀλ at the optimum.
        public var objectiveValue: Double
        /// Indices of the basic variables at the optimum.
        public var basis: [Int]
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case infeasible
        case unbounded
        case malformed(String)
        public var description: String {
            switch self {
            case .infeasible: return "linear program is infeasible"
            case .unbounded: return "linear program is unbounded"
            case .malformed(let why): return "malformed linear program: \(why)"
            }
        }
    }

    /// Solves the program. `feasibleBasis`, if given, must be m column indices whose columns form
    /// a non-singular B with B⁻¹b ≥ 0; phase 1 is then skipped.
    /// `tolerance` decides when a reduced cost is negative and when a pivot is non-zero.
    public func solve(feasibleBasis: [Int]? = nil, tolerance: Double = 1e-12) throws -> Solution {
        let m = constraints.count, n = objective.count
        guard rightHandSide.count == m else { throw Failure.malformed("\(m) rows but \(rightHandSide.count) right-hand sides") }
        guard constraints.allSatisfy({ $0.count == n }) else { throw Failure.malformed("every row needs \(n) coefficients") }
        guard m > 0 else { return Solution(variables: [Double](repeating: 0, count: n), objectiveValue: 0, basis: []) }
        for v in objective + rightHandSide + constraints.flatMap({ $0 }) where !v.isFinite {
            throw Failure.malformed("non-finite coefficient")
        }
        // Tableau over n real + m artificial columns; row i: [A_i | I_i | b_i].
        var t = [[Double]](repeating: [Double](repeating: 0, count: n + m + 1), count: m)
        for i in 0..<m {
            let sign: Double = rightHandSide[i] < 0 ? -1 : 1
            for j in 0..<n { t[i][j] = sign * constraints[i][j] }
            t[i][n + i] = 1
            t[i][n + m] = sign * rightHandSide[i]
        }
        var basis = Array(n..<(n + m))
        if let start = feasibleBasis {
            guard start.count == m, Set(start).count == m, start.allSatisfy({ (0..<n).contains($0) }) else {
                throw Failure.malformed("a feasible basis needs \(m) distinct column indices")
            }
            for (row, column) in start.enumerated() {
                guard let r = pivotRow(in: t, column: column, rows: Array(row..<m), tolerance: tolerance) else {
                    throw Failure.malformed("the given basis is singular")
                }
                t.swapAt(row, r)
                pivot(&t, row: row, column: column)
                basis[row] = column
            }
            guard t.allSatisfy({ $0[n + m] >= -1e-12 }) else { throw Failure.malformed("the given basis is not feasible") }
        } else {
            // Phase 1: minimise the sum of the artificial variables.
            var cost = [Double](repeating: 0, count: n + m)
            for j in n..<(n + m) { cost[j] = 1 }
            try iterate(&t, basis: &basis, cost: cost, allowed: n + m, tolerance: tolerance)
            let infeasibility = (0..<m).reduce(0.0) { $0 + (basis[$1] >= n ? t[$1][n + m] : 0) }
            let scale = max(1, rightHandSide.map(abs).max() ?? 1)
            guard infeasibility <= 1e-9 * scale else { throw Failure.infeasible }
            // Drive zero-valued artificial variables out of the basis where possible.
            for i in 0..<m where basis[i] >= n {
                if let j = (0..<n).first(where: { abs(t[i][$0]) > 1e-9 }) {
                    pivot(&t, row: i, column: j)
                    basis[i] = j
                }
            }
        }
        // Phase 2 over the real columns only (redundant rows keep their artificial at zero).
        var cost = objective + [Double](repeating: 0, count: m)
        for i in 0..<m where basis[i] >= n { cost[basis[i]] = 0 }
        try iterate(&t, basis: &basis, cost: cost, allowed: n, tolerance: tolerance)
        return polished(basis: basis, tableau: t, n: n)
    }

    /// Simplex iterations with Bland's rule over columns `0..<allowed`.
    private func iterate(_ t: inout [[Double]], basis: inout [Int], cost: [Double], allowed: Int,
                         tolerance: Double) throws {
        let m = t.count, rhs = t[0].count - 1
        let costScale = max(1, cost.prefix(allowed).map(abs).max() ?? 1)
        for _ in 0..<100_000 {
            // Reduced costs r_j = c_j − c_Bᵀ B⁻¹ A_j (the tableau already holds B⁻¹A).
            var entering: Int? = nil
            for j in 0..<allowed where !basis.contains(j) {
                var r = cost[j]
                for i in 0..<m { r -= cost[basis[i]] * t[i][j] }
                if r < -tolerance * costScale { entering = j; break }
            }
            guard let q = entering else { return }
            // Ratio test; ties broken by the smallest basic index (Bland).
            var leaving: Int? = nil
            var best = Double.infinity
            for i in 0..<m where t[i][q] > tolerance {
                let ratio = t[i][rhs] / t[i][q]
                if ratio < best - 1e-14 || (abs(ratio - best) <= 1e-14 && basis[i] < basis[leaving!]) {
                    best = ratio; leaving = i
                }
            }
            guard let p = leaving else { throw Failure.unbounded }
            pivot(&t, row: p, column: q)
            basis[p] = q
        }
        throw Failure.malformed("simplex did not terminate")
    }

    private func pivotRow(in t: [[Double]], column: Int, rows: [Int], tolerance: Double) -> Int? {
        let r = rows.max { abs(t[$0][column]) < abs(t[$1][column]) }
        guard let r, abs(t[r][column]) > tolerance else { return nil }
        return r
    }

    private func pivot(_ t: inout [[Double]], row p: Int, column q: Int) {
        let inv = 1 / t[p][q]
        for j in t[p].indices { t[p][j] *= inv }
        t[p][q] = 1
        for i in t.indices where i != p {
            let f = t[i][q]
            if f == 0 { continue }
            for j in t[i].indices { t[i][j] -= f * t[p][j] }
            t[i][q] = 0
        }
    }

    /// Recomputes the basic variables from the original data: B λ_B = b (real basic columns only;
    /// rows whose basic variable is an artificial one at zero are redundant and dropped).
    private func polished(basis: [Int], tableau: [[Double]], n: Int) -> Solution {
        let m = tableau.count
        var lambda = [Double](repeating: 0, count: n)
        let real = basis.filter { $0 < n }
        // Least-squares-free solve: use all m rows, columns = real basic variables (full column rank).
        // Normal form via Gaussian elimination on the m × k system with row pivoting.
        let k = real.count
        var a = (0..<m).map { i in real.map { constraints[i][$0] } + [rightHandSide[i]] }
        var rowOf = [Int](repeating: -1, count: k)
        var used = Set<Int>()
        for c in 0..<k {
            var best = -1
            var bestValue = 0.0
            for i in 0..<m where !used.contains(i) && abs(a[i][c]) > bestValue { best = i; bestValue = abs(a[i][c]) }
            guard best >= 0, bestValue > 1e-14 else {
                // Degenerate: fall back to the tableau values.
                for i in 0..<m where basis[i] < n { lambda[basis[i]] = tableau[i][tableau[i].count - 1] }
                return Solution(variables: lambda, objectiveValue: zip(objective, lambda).reduce(0) { $0 + $1.0 * $1.1 }, basis: basis)
            }
            used.insert(best); rowOf[c] = best
            for i in 0..<m where i != best {
                let f = a[i][c] / a[best][c]
                if f == 0 { continue }
                for j in c...k { a[i][j] -= f * a[best][j] }
            }
        }
        for c in 0..<k { lambda[real[c]] = max(0, a[rowOf[c]][k] / a[rowOf[c]][c]) }
        let value = zip(objective, lambda).reduce(0) { $0 + $1.0 * $1.1 }
        return Solution(variables: lambda, objectiveValue: value, basis: basis)
    }
}
