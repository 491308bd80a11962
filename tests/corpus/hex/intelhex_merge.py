#!/usr/bin/python3
"""Reference merger for the differential tests: mergehex.py's behaviour over the Python
`intelhex` package, as described in spec/hexmerge.md section 1.1 (our own few lines, not
Zephyr's script): load each input with IntelHex, drop its start address, merge it into an
accumulator with the overlap policy, write with write_hex_file() defaults.

  intelhex_merge.py -o OUT [--overlap error|ignore|replace] [--output-bin] IN...

--output-bin writes IntelHex.tofile(format="bin") instead (the flat image from the lowest
to the highest used address, holes padded with 0xFF), like mergehex.py's variant.

Exit 0 on success, 1 on an overlap (nothing written), 2 if an input cannot be read.
"""
import argparse
import sys

import intelhex


def main():
    ap = argparse.ArgumentParser(allow_abbrev=False)
    ap.add_argument("-o", "--output", default="merged.hex")
    ap.add_argument("--overlap", default="error", choices=["error", "ignore", "replace"])
    ap.add_argument("--output-bin", action="store_true")
    ap.add_argument("inputs", nargs="*")
    a = ap.parse_args()
    acc = intelhex.IntelHex()
    for path in a.inputs:
        try:
            ih = intelhex.IntelHex(path)
        except intelhex.HexReaderError as e:
            print("%s: %s" % (path, e), file=sys.stderr)
            return 2
        ih.start_addr = None
        try:
            acc.merge(ih, overlap=a.overlap)
        except intelhex.AddressOverlapError as e:
            print("%s has merge issues: %s" % (path, e), file=sys.stderr)
            return 1
    if a.output_bin:
        acc.tofile(a.output, format="bin")
    else:
        with open(a.output, "w") as f:
            acc.write_hex_file(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
