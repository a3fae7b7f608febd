#!/usr/bin/env bash
# Reruns the ABINIT reference calculations of the PlaneWaveDFT tests and writes the trimmed
# outputs next to their inputs:  Tests/PlaneWaveDFTTests/Reference/abinit/run.sh [CASE...]
# (cases: nacl si al; default all). Needs Debian's abinit (9.6.2: apt-get install -y abinit), whose
# pseudopotentials the inputs read from /usr/share/abinit/psp. One thread; each case takes seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
command -v abinit >/dev/null || { echo "abinit not found: apt-get install -y abinit" >&2; exit 1; }
for case in "${@:-nacl si al}"; do
  for c in $case; do
    work="$(mktemp -d)"
    cp "$here/$c/$c.abi" "$work/"
    (cd "$work" && abinit "$c.abi" > "$c.log" 2>&1)
    # Keep what the tests compare: version, the echoed cell/k-point/FFT variables, the
    # pseudopotential parameters as ABINIT read them, plane-wave counts, the SCF history, the
    # eigenvalues at the first k-point, Fermi level and the energy decomposition.
    awk '
      /^\.Version/ || /^ ABINIT [0-9]/                         { print; next }
      /^ -outvars: echo values of preprocessed input variables/ && !seen { echo = 1; seen = 1 }
      echo && (/^={10}/ || /chkinp/)                          { echo = 0 }
      echo && /^ +[a-z0-9_]+ +/                                { keep = ($1 ~ /^(acell|ecut|istwfk|ixc|kpt|ngfft|nkpt|nband|occopt|tsmear|wtk|xred|znucl|rprim|typat)$/) }
      echo && keep && /^ +[-0-9a-z]/                           { print; next }
      /^--- Pseudopotential description/                      { psp = 1 }
      psp && /^ *-?[0-9.E+-]+ +ecore\*ucvol/                   { psp = 0 }
      psp                                                      { print; next }
      /wfconv:.*npw=/ || /avg\. npw/                           { print; next }
      /^ +iter +Etot/ || /^ ETOT /                             { print; next }
      /^ Fermi \(or HOMO\)/ || /^ Eigenvalues/ || /^ kpt#/      { print; ev = 1; next }
      ev && /^ +-?[0-9]/                                       { print; next }
      { ev = 0 }
      /^(etotal|entropy|fermie) +:/                            { print; next }
      /^--- !EnergyTerms/                                      { terms = 1 }
      terms                                                    { print }
      terms && /^\.\.\./                                       { terms = 0 }
    ' "$work/$c.abo" > "$here/$c/$c.out"
    grep "wfconv:.*npw=" "$work/$c.log" >> "$here/$c/$c.out" || true
    grep "total_energy  " "$here/$c/$c.out" | sed "s/^/$c: /"
    rm -rf "$work"
  done
done
