"""Regenerate ``src/carbonloop/costs/data/cacti_carbonspot_32bit.csv``: CACTI 7 runs of CarbonSpot's SRAM rule.

CarbonSpot's ZigZag costs an SRAM of ``bw``-bit words by one CACTI run of a 32-bit-wide array with the
SRAM's row count at 32 nm (KULeuven-MICAS/carbonspot @ f514704, ``get_cacti_cost``); this script makes
those runs for every power-of-two row count from 32 to 2^24 with the settings that wrapper writes, and
prints the table carbonloop ships (``carbonloop.costs.carbonspot_memory``).

    CACTI_DIR=<folder holding a built cacti binary> python benchmarks/cacti_carbonspot_table.py > table.csv

A CACTI 7 that reproduces the shipped numbers: the one bundled with ``hwcomponents-cacti==1.0.40`` (PyPI;
download its wheel, unzip it, ``make opt`` in ``hwcomponents_cacti/cacti``). The run writes its
configuration files into ``CACTI_DIR`` (CACTI resolves its technology files from there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SETTINGS = {
    "-block size (bytes)": "4",
    "-output/input bus width": "32",
    "-associativity": "1",
    "-read-write port": "1",
    "-exclusive read port": "0",
    "-exclusive write port": "0",
    "-single ended read ports": "0",
    "-UCA bank count": "1",
    "-technology (u)": "0.032",
    "-cache type": '"ram"',
    "-Data array cell type -": '"itrs-hp"',
    "-Data array peripheral type -": '"itrs-hp"',
    "-Tag array cell type -": '"itrs-hp"',
    "-Tag array peripheral type -": '"itrs-hp"',
    "-operating temperature (K)": "360",
    "-tag size (b)": '"default"',
    "-access mode (normal, sequential, fast) -": '"normal"',
    "-design objective (weight delay, dynamic power, leakage power, cycle time, area)": "0:0:0:100:0",
    "-deviate (delay, dynamic power, leakage power, cycle time, area)": "20:100000:100000:100000:100000",
    "-NUCAdesign objective (weight delay, dynamic power, leakage power, cycle time, area)": "100:100:0:0:100",
    "-NUCAdeviate (delay, dynamic power, leakage power, cycle time, area)": "10:10000:10000:10000:10000",
    "-Optimize ED or ED^2 (ED, ED^2, NONE):": '"ED^2"',
    "-Cache model (NUCA, UCA)  -": '"UCA"',
    "-NUCA bank count": "0",
    "-Wire signaling (fullswing, lowswing, default) -": '"Global_30"',
    "-Wire inside mat -": '"semi-global"',
    "-Wire outside mat -": '"semi-global"',
    "-Interconnect projection -": '"conservative"',
    "-Core count": "8",
    "-Cache level (L2/L3) -": '"L3"',
    "-Add ECC -": '"true"',
    "-Print level (DETAILED, CONCISE) -": '"CONCISE"',
    "-Print input parameters -": '"false"',
    "-Force cache config -": '"false"',
    "-page size (bits)": "8192",
    "-burst length": "8",
    "-internal prefetch width": "8",
    "-Array Power Gating -": '"false"',
    "-WL Power Gating -": '"false"',
    "-CL Power Gating -": '"false"',
    "-Bitline floating -": '"false"',
    "-Interconnect Power Gating -": '"false"',
    "-Power Gating Performance Loss": "0.01",
    "-Ndwl": "1",
    "-Ndbl": "1",
    "-Nspd": "0",
    "-Ndcm": "1",
    "-Ndsam1": "0",
    "-Ndsam2": "0",
    # the external-IO block CACTI reads even for an SRAM (its values do not enter an SRAM's numbers)
    "-dram_type": '"DDR3"',
    "-io state": '"WRITE"',
    "-addr_timing": "1.0",
    "-mem_density": "4 Gb",
    "-bus_freq": "800 MHz",
    "-duty_cycle": "1.0",
    "-activity_dq": "1.0",
    "-activity_ca": "0.5",
    "-num_dq": "72",
    "-num_dqs": "18",
    "-num_ca": "25",
    "-num_clk": "2",
    "-num_mem_dq": "2",
    "-mem_data_width": "8",
    "-rtt_value": "10000",
    "-ron_value": "34",
    "-tflight_value": "",
    "-num_bobs": "1",
    "-capacity": "80",
    "-num_channels_per_bob": "1",
    "-first metric": '"Cost"',
    "-second metric": '"Bandwidth"',
    "-third metric": '"Energy"',
    "-DIMM model": '"ALL"',
    "-mirror_in_bob": '"F"',
}
"""The CACTI options CarbonSpot's wrapper sets (its defaults, with one read-write port: the port count that
reproduces CarbonSpot's published SRAM areas; with two exclusive read and write ports they come out 5x)."""


def run(cacti_dir: Path, rows: int) -> list[str]:
    """One CACTI run of ``rows`` 32-bit words; the fields of its CSV line."""
    cfg = cacti_dir / f"carbonspot_{rows}.cfg"
    out = Path(f"{cfg}.out")
    out.unlink(missing_ok=True)
    lines = [f"-size (bytes) {rows * 4}"] + [f"{k} {v}" for k, v in SETTINGS.items()]
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(["./cacti", "-infile", cfg.name], cwd=cacti_dir, check=True, capture_output=True)
    fields = [f.strip() for f in out.read_text(encoding="utf-8").splitlines()[-1].split(",")]
    cfg.unlink()
    out.unlink()
    return fields


def main() -> None:
    cacti_dir = Path(os.environ.get("CACTI_DIR", ""))
    if not (cacti_dir / "cacti").is_file():
        sys.exit("set CACTI_DIR to the folder holding a built cacti binary (see this script's docstring)")
    print("rows,read_pj,write_pj,area_mm2,leakage_mw,access_ns")
    for exponent in range(5, 25):
        rows = 2**exponent
        f = run(cacti_dir, rows)
        # CACTI's columns: 5 access time (ns), 8 read energy (nJ), 9 write energy (nJ), 10 leakage (mW), 11 area
        read_pj, write_pj = float(f[8]) * 1000, float(f[9]) * 1000
        print(f"{rows},{read_pj:.6g},{write_pj:.6g},{float(f[11]):.6g},{float(f[10]):.6g},{float(f[5]):.6g}")


if __name__ == "__main__":
    main()
